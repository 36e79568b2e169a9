// The page as the end-to-end WebDriver tests (tests/tray_window.rs, tray_settings.rs,
// tray_approvals.rs) find it: every selector, id, class, attribute, text and route they rely on,
// checked here in the state those tests use it, so a change to the views that would break them
// fails here first (in seconds, without a tray app, WebKit or an X server).
import { render, waitFor } from "@testing-library/preact";
import { describe, expect, it } from "vitest";
import { DecisionPopup } from "../src/views/decide";
import { MARKUP, done, grant, policy, request, settings, snapshot } from "./fixtures";
import { answer, deferred, emit } from "./tauri";
import { openWindow, the, texts } from "./window";

describe("what the WebDriver tests rely on", () => {
  it("tray_window.rs: roles, the star, search, the form, #notice, Active, Approvals", { timeout: 10_000 }, async () => {
    const activation = deferred<ReturnType<typeof done>>();
    answer("policy", () => policy());
    answer("activate", () => activation.promise);
    answer("check_activation", () => ({ verdict: "would-be-granted", message: "Azure would grant it.", notes: [], fields: [], checkedByAzure: true }));
    answer("set_favourite", () => null);
    answer("decide", () => request());
    const { user } = await openWindow();
    expect(the("#account").textContent).toContain("ada@contoso.example");
    expect(texts("#roles .name")).toContain("Contributor");
    expect(texts("#roles .name")).toContain(MARKUP);
    expect(document.querySelectorAll("#roles img")).toHaveLength(0);
    // The XPath //li[contains(@class,'role')][.//span[@class='name' and normalize-space()='Owner']]
    // //button[contains(@class,'star')], in CSS: a span whose class is exactly "name".
    const owner = [...document.querySelectorAll("li.role")].find(
      (li) => li.querySelector('span[class="name"]')?.textContent?.trim() === "Owner",
    );
    expect(owner?.querySelector("button.star")?.textContent).toBe("☆");
    // A favourite's name reads "★ <role>".
    expect(texts("#roles .name")).toContain("★ Contributor");

    await user.type(the("#search"), "contributor development");
    expect(document.querySelectorAll("#roles .role")).toHaveLength(1);
    await user.keyboard("{Enter}");
    await waitFor(() => expect(the("#form-role").textContent).toBe("Contributor"));
    await waitFor(() => expect(the<HTMLButtonElement>("#submit").disabled).toBe(true));
    await user.type(the("#justification"), "Deploying the release (window test)");
    expect(the<HTMLButtonElement>("#submit").disabled).toBe(false);
    await user.keyboard("{Control>}{Enter}{/Control}");
    // While it runs #notice ends with "…"; then it carries the app's sentence.
    expect(the("#notice").textContent?.endsWith("…")).toBe(true);
    activation.resolve(done("Contributor on Contoso Development: done."));
    await waitFor(() => expect(the("#notice").textContent?.endsWith("…")).toBe(false));
    expect(the("#notice").textContent).toContain("done");

    // Active: the grant's row in #active, "… left", with a button.deactivate.
    expect(the("#tab-active").getAttribute("aria-selected")).toBe("true");
    await emit("snapshot", snapshot({ active: [grant()] }));
    await waitFor(() => expect(texts("#active .grant")[0]).toMatch(/^Contributor.*\d+ min \d+ s left/), { timeout: 2000 });
    expect(document.querySelector("#active .grant button.deactivate")).not.toBeNull();

    // Approvals: rows .approval in #approvals; button.deny waits for input.reason; "Denying: done".
    await user.click(the("#tab-approvals"));
    const row = the("#approvals .approval");
    expect(row.textContent).toContain("Grace Hopper");
    expect(row.querySelector<HTMLButtonElement>("button.deny")?.disabled).toBe(true);
    await user.type(row.querySelector("input.reason")!, "Not during the change freeze");
    await user.click(row.querySelector("button.deny")!);
    await waitFor(() => expect(the("#notice").textContent?.startsWith("Denying: done")).toBe(true));
  });

  it("tray_settings.rs: Alt+6, the settings' ids, and the form's minutes, chips and scopes", async () => {
    answer("settings", () => settings());
    answer("policy", () => policy({ defaultMinutes: 45, presets: ["Incident response"], ticketRequired: true }));
    const { user } = await openWindow();
    await user.keyboard("{Alt>}6{/Alt}");
    await waitFor(() => expect(the("#settings-account").textContent).toContain("ada@contoso.example"));
    expect(the("#settings-version").textContent).toBe("Elevate 0.1.0");
    for (const id of ["#start-at-login", "#update-checks", "#default-minutes", "#warn-before", "#presets", "#save-settings"]) {
      expect(document.querySelector(id), id).not.toBeNull();
    }
    expect(document.querySelectorAll("#favourites input[type=checkbox]")).toHaveLength(2);
    for (const id of ["#set-name", "#set-reason", "#save-set", "#sets"]) {
      expect(document.querySelector(id), id).not.toBeNull();
    }
    await user.click(the("#tab-roles"));
    await user.type(the("#search"), "owner");
    await user.keyboard("{Enter}");
    await waitFor(() => expect(the<HTMLInputElement>("#minutes").value).toBe("45"));
    expect(texts(".presets .chip")).toEqual(["Incident response"]);
    const options = [...document.querySelectorAll<HTMLOptionElement>("#narrower-scopes option")];
    expect(options.some((o) => o.textContent === "rg-web-prod" && o.value.endsWith("/rg-web-prod"))).toBe(true);
    for (const id of ["#narrower-scope", "#ticket-number", "#ticket-system"]) {
      expect(document.querySelector(id), id).not.toBeNull();
    }
  });

  it("tray_approvals.rs: the pop-up's ids, its one form's data-armed, #outcome and #gone", async () => {
    history.replaceState(null, "", `#/decide/request/${encodeURIComponent(request().id)}`);
    answer("snapshot", () => snapshot());
    render(<DecisionPopup />);
    await waitFor(() => expect(the("#title").textContent).toContain("Grace Hopper"));
    expect(document.querySelector("#decision")).not.toBeNull();
    expect(document.querySelectorAll("form")).toHaveLength(1);
    expect(the<HTMLFormElement>("form").dataset.armed).toBe("false");
    for (const id of ["#verdict-approve", "#verdict-deny"]) expect(the(id).getAttribute("aria-checked")).toBe("false");
    for (const id of ["#reason", "#submit", "#scope", "#justification", "#close"]) {
      expect(document.querySelector(id), id).not.toBeNull();
    }
    expect(the("#scope").textContent).toContain("Contoso Production");
  });
});
