// The Settings tab: what it shows, each switch and form sending the right command, what the user
// types kept while the app's state changes, and errors said.
import { screen, waitFor } from "@testing-library/preact";
import { describe, expect, it } from "vitest";
import type { SettingsView } from "../src/bindings";
import { parseMinutes } from "../src/views/settings";
import { MARKUP, settings, snapshot } from "./fixtures";
import { answer, callsOf, deferred, emit } from "./tauri";
import { openWindow, the, texts } from "./window";

/** Opens Settings with `view` as what the app holds; `update` changes it as a command would. */
async function openSettings(view: SettingsView = settings()) {
  let current = view;
  answer("settings", () => current);
  const opened = await openWindow(undefined, "#/settings");
  await waitFor(() => expect(document.querySelector("#settings")).not.toBeNull());
  return { ...opened, update: (change: Partial<SettingsView>) => (current = { ...current, ...change }) };
}

function field(css: string): HTMLInputElement {
  return the<HTMLInputElement>(css);
}

describe("Settings", () => {
  it("shows the account, the version, the settings file and the saved values", async () => {
    await openSettings();
    expect(the("#settings-account").textContent).toBe("ada@contoso.example");
    expect(the("#settings").textContent).toContain("tenant contoso.example");
    expect(the("#settings-version").textContent).toBe("Elevate 0.1.0");
    expect(screen.getByText("Kept in /home/ada/.config/elevate/config.toml, which the command line reads too.")).toBeTruthy();
    expect(the<HTMLSelectElement>("#cloud").value).toBe("public");
    expect(field("#default-minutes").value).toBe("60");
    expect(field("#warn-before").value).toBe("15, 5");
    expect(the<HTMLTextAreaElement>("#presets").value).toBe("Incident response");
    expect(field("#start-at-login").checked).toBe(false);
    expect(field("#update-checks").checked).toBe(true);
    // Sign out only where it means something.
    expect(screen.queryByRole("button", { name: "Sign out" })).toBeNull();
  });

  it("opens from the keyboard (Alt+6)", async () => {
    answer("settings", () => settings());
    const { user } = await openWindow();
    await user.keyboard("{Alt>}6{/Alt}");
    expect(the("#tab-settings").getAttribute("aria-selected")).toBe("true");
    await waitFor(() => expect(the("#settings-account").textContent).toBe("ada@contoso.example"));
  });

  it("turns start at login on with progress, then says so", async () => {
    const turning = deferred<boolean>();
    answer("set_start_at_login", () => turning.promise);
    const { user, update } = await openSettings();
    await user.click(field("#start-at-login"));
    expect(callsOf("set_start_at_login")).toEqual([{ on: true }]);
    expect(the("#settings-notice").textContent).toBe("Adding Elevate to the login items…");
    expect(field("#start-at-login").disabled).toBe(true);
    update({ startAtLogin: true });
    turning.resolve(true);
    await waitFor(() => expect(the("#settings-notice").textContent).toBe("Elevate starts when you log in."));
    expect(field("#start-at-login").checked).toBe(true);
    expect(field("#start-at-login").disabled).toBe(false);
  });

  it("cannot change start at login where login items cannot be read", async () => {
    await openSettings(settings({ startAtLogin: null }));
    expect(field("#start-at-login").disabled).toBe(true);
    expect(screen.getByText("Login items cannot be read on this system.")).toBeTruthy();
  });

  it("turns update checks off", async () => {
    answer("set_update_checks", () => false);
    const { user, update } = await openSettings();
    update({ updateChecks: false });
    await user.click(field("#update-checks"));
    expect(callsOf("set_update_checks")).toEqual([{ on: false }]);
    await waitFor(() => expect(the("#settings-notice").textContent).toBe("Elevate no longer checks for updates."));
    expect(field("#update-checks").checked).toBe(false);
  });

  it("saves the duration, the notification times and the presets", async () => {
    answer("save_settings", (args) => settings(args.form as Partial<SettingsView>));
    const { user } = await openSettings();
    await user.selectOptions(the("#cloud"), "us-gov");
    await user.clear(field("#default-minutes"));
    await user.type(field("#default-minutes"), "45");
    await user.clear(field("#warn-before"));
    await user.type(field("#warn-before"), "30, 10");
    await user.clear(the("#presets"));
    await user.type(the("#presets"), "Incident response{Enter}  {Enter}Release night ");
    await user.click(the("#save-settings"));
    expect(callsOf("save_settings")).toEqual([
      {
        form: {
          cloud: "us-gov",
          defaultMinutes: 45,
          warnBeforeMinutes: [30, 10],
          justificationPresets: ["Incident response", "Release night"],
        },
      },
    ]);
    await waitFor(() => expect(the("#settings-notice").textContent).toBe("Saved. Elevate uses the new settings now."));
  });

  it("refuses notification times that are not whole minutes from 1 to 1440", async () => {
    const { user } = await openSettings();
    await user.clear(field("#warn-before"));
    await user.type(field("#warn-before"), "15, soon");
    expect(field("#warn-before").getAttribute("aria-invalid")).toBe("true");
    expect(screen.getByText("Use whole minutes from 1 to 1440, e.g. “15, 5”.")).toBeTruthy();
    expect(the<HTMLButtonElement>("#save-settings").disabled).toBe(true);
    await user.keyboard("{Enter}");
    expect(callsOf("save_settings")).toHaveLength(0);
    expect(parseMinutes("30, 10")).toEqual([30, 10]);
    expect(parseMinutes("")).toEqual([]);
    expect(parseMinutes("0")).toBeNull();
    expect(parseMinutes("1441")).toBeNull();
    expect(parseMinutes("2.5")).toBeNull();
  });

  it("keeps what the user types while the app's state changes", async () => {
    const { user } = await openSettings();
    await user.clear(field("#warn-before"));
    await user.type(field("#warn-before"), "30");
    const reads = callsOf("settings").length;
    await emit("snapshot", snapshot({ loading: true }));
    await emit("snapshot", snapshot({ loading: false }));
    await waitFor(() => expect(callsOf("settings").length).toBeGreaterThan(reads));
    expect(field("#warn-before").value).toBe("30");
  });

  it("shows settings the organisation manages as such, disabled, and who manages them", async () => {
    const source = "HKLM\\SOFTWARE\\Policies\\Elevate";
    answer("save_settings", () =>
      Promise.reject({ code: "managed", message: `activation.default_duration is managed by your organisation (${source})` }),
    );
    const { user } = await openSettings(
      settings({
        defaultMinutes: 120,
        managed: [
          { key: "activation.default_duration", source },
          { key: "sets", source },
        ],
      }),
    );
    expect(field("#default-minutes").disabled).toBe(true);
    expect(field("#default-minutes").value).toBe("120");
    expect(field("#warn-before").disabled).toBe(false);
    const notes = texts(".managed");
    expect(notes).toEqual([`Managed by your organisation (${source})`, `Managed by your organisation (${source})`]);
    expect(document.querySelector('[data-managed="activation.default_duration"]')).not.toBeNull();
    // The form still saves the rest (the app drops the unchanged managed value); a refusal is said.
    await user.click(the("#save-settings"));
    await waitFor(() => expect(the("#settings-notice").textContent).toContain("managed by your organisation"));
  });

  it("says when the organisation's policy could not be used", async () => {
    await openSettings(settings({ managedProblem: "the managed configuration /etc/elevate/managed.toml is not usable: bad. Elevate uses your own settings only" }));
    expect(the("#managed-problem").textContent).toContain("/etc/elevate/managed.toml");
    expect(field("#default-minutes").disabled).toBe(false);
  });

  it("shows why a save failed", async () => {
    answer("save_settings", () => Promise.reject({ code: "invalid", message: "config.toml is not valid TOML: line 3." }));
    const { user } = await openSettings();
    await user.click(the("#save-settings"));
    await waitFor(() => expect(the("#settings-notice").textContent).toBe("config.toml is not valid TOML: line 3."));
    expect(the("#settings-notice").className).toBe("notice error");
  });

  it("shows why the settings could not be read", async () => {
    answer("settings", () => Promise.reject({ code: "io", message: "The settings file cannot be read." }));
    await openWindow(undefined, "#/settings");
    await waitFor(() => expect(the("main .notice.error").textContent).toBe("The settings file cannot be read."));
  });

  it("makes a set from ticked favourites, and removes a favourite", async () => {
    answer("save_set", () => null);
    answer("set_favourite", () => null);
    const view = settings();
    view.favourites[0].name = `${MARKUP} @ Directory`;
    const { user, update } = await openSettings(view);
    expect(texts("#favourites .name")).toEqual([`${MARKUP} @ Directory`, "Contributor @ Contoso Development"]);
    expect(document.querySelector("#favourites img")).toBeNull();
    expect(the("#favourites li:nth-child(2) .sub").textContent).toBe("30 min · “Deploy”");
    const save = the<HTMLButtonElement>("#save-set");
    expect(save.disabled).toBe(true);
    for (const box of document.querySelectorAll<HTMLInputElement>("#favourites input[type=checkbox]")) {
      await user.click(box);
    }
    expect(save.textContent).toBe("Save the set (2 roles)");
    await user.type(field("#set-name"), " Release night ");
    await user.type(field("#set-reason"), "Release 42");
    update({
      sets: [{ name: "Release night", roles: ["Owner @ Contoso Production"], keys: [], justification: "Release 42", minutes: null }],
    });
    await user.click(save);
    expect(callsOf("save_set")).toEqual([
      { form: { name: "Release night", keys: view.favourites.map((f) => f.key), justification: "Release 42", minutes: null } },
    ]);
    await waitFor(() => expect(texts("#sets .name")).toEqual(["Release night"]));
    expect(the("#settings-notice").textContent).toBe("Saved: “Release night” is in the tray menu.");
    expect(field("#set-name").value).toBe("");

    await user.click(the("#favourites li:nth-child(1) button"));
    expect(callsOf("set_favourite")).toEqual([
      {
        form: { key: view.favourites[0].key, favourite: false, justification: null, minutes: null, ticketSystem: null, ticketNumber: null },
      },
    ]);
  });

  it("signs out where Elevate signed in", async () => {
    answer("sign_out", () => null);
    const { user } = await openSettings(settings({ canSignOut: true }));
    await user.click(screen.getByRole("button", { name: "Sign out" }));
    expect(callsOf("sign_out")).toEqual([{}]);
    await waitFor(() => expect(the("#settings-notice").textContent).toBe("Signed out."));
  });
});

describe("Check access", () => {
  const url = "https://login.microsoftonline.com/contoso/v2.0/adminconsent?client_id=c&scope=s&redirect_uri=http%3A%2F%2Flocalhost";
  const ok = {
    level: "ok" as const,
    check: "token",
    source: null,
    message: "Azure Resource Manager: got a token silently for ada@contoso.example",
    missing: [],
    consentUrl: null,
  };
  const problem = {
    level: "problem" as const,
    check: "permissions",
    source: "entra-role",
    message: `Entra roles: the token lacks RoleEligibilitySchedule.Read.Directory <b>now</b>; an administrator can grant it at ${url}`,
    missing: ["RoleEligibilitySchedule.Read.Directory"],
    consentUrl: url,
  };

  it("shows findings as they come, then the result, and opens the consent link in the browser", async () => {
    const checking = deferred<unknown>();
    answer("check_access", () => checking.promise);
    answer("open_consent_link", () => null);
    const { user } = await openSettings();
    await user.click(screen.getByRole("button", { name: "Check access" }));
    expect(callsOf("check_access")).toEqual([{}]);
    expect(the("#check-access-progress").textContent).toBe("Checking access… 0 findings so far");
    expect(the<HTMLButtonElement>("#check-access-button").disabled).toBe(true);
    await emit("accessFinding", ok);
    await waitFor(() => expect(texts("#access-findings li")).toEqual([`OK ${ok.message}`]));
    expect(the("#check-access-progress").textContent).toBe("Checking access… 1 finding so far");
    checking.resolve({ ok: false, findings: [ok, problem] });
    await waitFor(() => expect(the("#access-summary").textContent).toBe("Some things do not work: see the problems above."));
    expect(document.querySelector("#check-access-progress")).toBeNull();
    // Azure's text stays text.
    expect(document.querySelector("#access-findings b")).toBeNull();
    expect(texts("#access-findings li")[1]).toContain("<b>now</b>");
    await user.click(screen.getByRole("link", { name: "Open the admin-consent page" }));
    expect(callsOf("open_consent_link")).toEqual([{ url }]);
  });

  it("says when the check itself failed", async () => {
    answer("check_access", () => Promise.reject({ code: "invalid", message: "the demo tenant is still starting" }));
    const { user } = await openSettings();
    await user.click(screen.getByRole("button", { name: "Check access" }));
    await waitFor(() => expect(screen.getByText("the demo tenant is still starting")).toBeTruthy());
    expect(the<HTMLButtonElement>("#check-access-button").disabled).toBe(false);
  });
});
