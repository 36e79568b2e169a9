// The Roles tab: the list from the snapshot, search and source filter, the keyboard ("/" and
// Enter), the star, and names from Azure shown as text.
import { screen, waitFor } from "@testing-library/preact";
import { describe, expect, it } from "vitest";
import { MARKUP, done, role, roles, snapshot } from "./fixtures";
import { answer, callsOf, deferred } from "./tauri";
import { openWindow, the, texts } from "./window";

describe("Roles", () => {
  it("lists every eligible role with where it is and how", async () => {
    await openWindow();
    expect(texts("#roles .role .name")).toEqual([
      "Contributor",
      "Owner",
      "★ Contributor",
      "Global Administrator",
      "Member",
      MARKUP,
    ]);
    const member = the("#roles .role:nth-child(5)");
    expect(member.querySelector(".sub")?.textContent).toBe("Release Managers · group · Group · through a group");
    expect(the("#tab-roles .count").textContent).toBe("6");
  });

  it("shows a role name with markup as text: no element is made from it", async () => {
    await openWindow();
    const row = [...document.querySelectorAll("#roles .role")].find((r) => r.textContent?.includes("Auditor"));
    expect(row?.querySelector(".name")?.textContent).toBe(MARKUP);
    expect(document.querySelector("#roles img")).toBeNull();
    expect(document.querySelectorAll("img, script")).toHaveLength(0);
    expect(row?.querySelector(".star")?.getAttribute("aria-label")).toBe(`Add ${MARKUP} at Directory to favourites`);
  });

  it("narrows by every word typed, and by source", async () => {
    const { user } = await openWindow();
    // The search has the focus when the tab opens.
    await waitFor(() => expect(document.activeElement).toBe(the("#search")));
    await user.type(the("#search"), "contributor development");
    expect(texts("#roles .role .name")).toEqual(["Contributor"]);
    await user.clear(the("#search"));
    await user.selectOptions(the("#source"), "entra-role");
    expect(texts("#roles .role .name")).toEqual(["Global Administrator", MARKUP]);
    await user.type(the("#search"), "nothing like this");
    expect(document.querySelector("#roles")).toBeNull();
    expect(screen.getByText("No role matches.")).toBeTruthy();
  });

  it("says so when there is no role at all", async () => {
    await openWindow(snapshot({ roles: [] }));
    expect(screen.getByText("You are not eligible for any role.")).toBeTruthy();
  });

  it("focuses the search on / and opens the first match's form on Enter", async () => {
    answer("policy", () => new Promise(() => {}));
    const { user } = await openWindow();
    the<HTMLButtonElement>("#tab-active").focus();
    await user.click(the("#tab-roles"));
    the<HTMLButtonElement>("#tab-roles").focus();
    await user.keyboard("/");
    expect(document.activeElement).toBe(the("#search"));
    expect(the<HTMLInputElement>("#search").value).toBe("");
    await user.keyboard("owner{Enter}");
    expect(the("#form-role").textContent).toBe("Owner");
    await waitFor(() => expect(callsOf("policy")).toEqual([{ key: roles()[1].key }]));
  });

  it("opens a role's form from its Activate… button", async () => {
    answer("policy", () => new Promise(() => {}));
    const { user } = await openWindow();
    const buttons = [...document.querySelectorAll<HTMLButtonElement>("#roles button.activate")];
    await user.click(buttons[3]);
    expect(the("#form-role").textContent).toBe("Global Administrator");
  });

  it("stars a role with a favourite form, and shows progress meanwhile", async () => {
    const saving = deferred<null>();
    answer("set_favourite", () => saving.promise);
    const { user } = await openWindow();
    const owner = the<HTMLButtonElement>("#roles .role:nth-child(2) button.star");
    expect(owner.textContent).toBe("☆");
    expect(owner.getAttribute("aria-pressed")).toBe("false");
    await user.click(owner);
    expect(callsOf("set_favourite")).toEqual([
      {
        form: {
          key: roles()[1].key,
          favourite: true,
          justification: null,
          minutes: null,
          ticketSystem: null,
          ticketNumber: null,
        },
      },
    ]);
    expect(the("#notice").textContent).toBe("Adding a favourite…");
    expect(owner.disabled).toBe(true);
    saving.resolve(null);
    await waitFor(() => expect(the("#notice").textContent).toBe("Adding a favourite: done"));
    expect(the("#notice").className).toBe("notice ok");

    // A favourite's star takes it away again.
    await user.click(the("#roles .role:nth-child(3) button.star"));
    expect(callsOf("set_favourite")[1]).toMatchObject({ form: { key: roles()[2].key, favourite: false } });
  });

  it("shows the message of a command that failed", async () => {
    answer("set_favourite", () => Promise.reject({ code: "store", message: "The database is locked." }));
    const { user } = await openWindow();
    await user.click(the("#roles .role:nth-child(1) button.star"));
    await waitFor(() => expect(the("#notice").textContent).toBe("The database is locked."));
    expect(the("#notice").className).toBe("notice error");
  });

  it("marks an eligibility ending within 14 days and requests its extension where Azure takes one", async () => {
    answer("request_extension", () => done("Contributor on Contoso Development: extension requested; an administrator decides."));
    const { user } = await openWindow(
      snapshot({
        roles: [
          role({ eligibleUntil: "2025-06-05T12:00:00Z", canRequestExtension: true }),
          role({ key: "later", role: "Reader", eligibleUntil: "2025-09-01T00:00:00Z" }),
        ],
      }),
    );
    const rows = document.querySelectorAll("#roles .role");
    // Measured against the snapshot's clock (taken on the window's next tick).
    await waitFor(() => expect(rows[0].querySelector(".badge.ending")?.textContent).toBe("ends in 3 days"), { timeout: 2500 });
    expect(rows[1].querySelector(".badge.ending")).toBeNull();
    expect(rows[1].querySelector("button.request-extension")).toBeNull();
    await user.click(rows[0].querySelector<HTMLButtonElement>("button.request-extension")!);
    expect(callsOf("request_extension")).toEqual([{ key: role().key }]);
    await waitFor(() => expect(the("#notice").textContent).toBe("Contributor on Contoso Development: extension requested; an administrator decides."));
  });
});
