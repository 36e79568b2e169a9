// Settings' accounts: each signed-in account listed (the one in use marked, names as text) with its
// own sign-out, which sends that account's key and shows the list the app answers; none listed
// when the app has none.
import { screen, waitFor } from "@testing-library/preact";
import { describe, expect, it } from "vitest";
import type { AccountView } from "../src/bindings";
import { MARKUP, settings } from "./fixtures";
import { answer, callsOf } from "./tauri";
import { openWindow, the } from "./window";

const ada: AccountView = {
  key: "0a1d.4c2d",
  username: "ada@contoso.example",
  name: "Ada Lovelace",
  tenant: "4c2d",
  tenantName: "Contoso",
  guest: false,
  current: true,
};
const grace: AccountView = {
  key: "6ace.4c2d",
  username: MARKUP,
  name: null,
  tenant: "4c2d",
  tenantName: null,
  guest: false,
  current: false,
};
// Ada in her guest tenant: its name is Azure's text.
const adaGuest: AccountView = {
  key: "fab0.5d3e",
  username: "ada@contoso.example",
  name: "Ada Lovelace",
  tenant: "5d3e",
  tenantName: MARKUP,
  guest: true,
  current: false,
};

async function openSettings(list: AccountView[]) {
  answer("settings", () => settings());
  answer("accounts", () => list);
  const opened = await openWindow(undefined, "#/settings");
  await waitFor(() => expect(document.querySelector("#settings")).not.toBeNull());
  return opened;
}

describe("Settings accounts", () => {
  it("lists the accounts, the one in use marked, names as text", async () => {
    await openSettings([ada, grace]);
    await waitFor(() => expect(document.querySelectorAll("#settings-accounts li")).toHaveLength(2));
    const [first, second] = Array.from(document.querySelectorAll("#settings-accounts li"));
    expect(first.textContent).toContain("ada@contoso.example");
    expect(first.textContent).toContain("in use");
    expect(second.querySelector(".account-name")?.textContent).toBe(MARKUP);
    expect(second.textContent).not.toContain("in use");
    expect(second.querySelector("img, script")).toBeNull();
  });

  it("lists a guest tenant by its name, as text, marked guest", async () => {
    await openSettings([ada, adaGuest]);
    await waitFor(() => expect(document.querySelectorAll("#settings-accounts li")).toHaveLength(2));
    const [first, second] = Array.from(document.querySelectorAll("#settings-accounts .account-tenant"));
    expect(first.textContent).toBe(" · tenant Contoso");
    expect(second.textContent).toBe(` · tenant ${MARKUP} (guest)`);
    expect(document.querySelector("#settings-accounts img, #settings-accounts script")).toBeNull();
  });

  it("signs out one account by its key and shows what is left", async () => {
    answer("sign_out_account", () => [ada]);
    const { user } = await openSettings([ada, grace]);
    const button = await screen.findByRole("button", { name: `Sign out ${MARKUP}` });
    await user.click(button);
    expect(callsOf("sign_out_account")).toEqual([{ key: "6ace.4c2d" }]);
    await waitFor(() => expect(document.querySelectorAll("#settings-accounts li")).toHaveLength(1));
    expect(the("#settings-accounts").textContent).toContain("ada@contoso.example");
  });

  it("says why a sign-out failed", async () => {
    answer("sign_out_account", () => Promise.reject({ code: "sign-in", message: "the key is locked" }));
    const { user } = await openSettings([ada]);
    await user.click(await screen.findByRole("button", { name: "Sign out ada@contoso.example" }));
    await waitFor(() => expect(the("#settings-accounts").textContent).toContain("the key is locked"));
  });

  it("shows no list without accounts (demo mode)", async () => {
    await openSettings([]);
    await waitFor(() => expect(callsOf("accounts")).not.toHaveLength(0));
    expect(document.querySelector("#settings-accounts")).toBeNull();
  });
});
