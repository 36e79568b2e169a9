// The main window's shell: the header, the tabs (mouse, Tab and Enter, Alt+1…6), the routes and the
// tray's `navigate` requests, the snapshot followed as the app publishes it, Refresh, and what it
// says about the app's state.
import { render, screen, waitFor } from "@testing-library/preact";
import { describe, expect, it } from "vitest";
import type { SnapshotView } from "../src/bindings";
import { App, routeTab } from "../src/main";
import { roles, snapshot } from "./fixtures";
import { answer, callsOf, deferred, emit } from "./tauri";
import { openWindow, the, texts } from "./window";

describe("the window's shell", () => {
  it("says it is signing in until the first snapshot comes", async () => {
    const first = deferred<SnapshotView>();
    answer("snapshot", () => first.promise);
    render(<App />);
    expect(the("#account").textContent).toBe("Signing in…");
    expect(the("main").textContent).toBe("Loading…");
    first.resolve(snapshot());
    await waitFor(() => expect(the("#account").textContent).toBe("ada@contoso.example · demo tenant"));
    expect(the("#tab-roles").getAttribute("aria-selected")).toBe("true");
  });

  it("shows why the first read failed", async () => {
    answer("snapshot", () => Promise.reject({ code: "auth", message: "Sign in again: the session has expired." }));
    render(<App />);
    await waitFor(() => expect(the("#notice").textContent).toBe("Sign in again: the session has expired."));
    expect(the("#notice").className).toBe("notice error");
  });

  it("follows the snapshots the app publishes", async () => {
    await openWindow();
    expect(the("#tab-approvals .count").textContent).toBe("1");
    await emit("snapshot", snapshot({ roles: roles().slice(0, 2), approvals: [], error: "Azure did not answer.", problems: ["Groups could not be read."] }));
    expect(texts("#roles .role .name")).toEqual(["Contributor", "Owner"]);
    expect(document.querySelector("#tab-approvals .count")).toBeNull();
    expect(screen.getByRole("alert").textContent).toBe("Azure did not answer.");
    expect(screen.getByText("Groups could not be read.").className).toBe("notice error");
  });

  it("switches tabs with the mouse, with Alt+1…6, and from the keyboard alone", async () => {
    const { user } = await openWindow();
    await user.click(the("#tab-approvals"));
    expect(the("#tab-approvals").getAttribute("aria-selected")).toBe("true");
    expect(the("#tab-roles").getAttribute("aria-selected")).toBe("false");
    expect(document.querySelector("#approvals")).not.toBeNull();
    await user.keyboard("{Alt>}2{/Alt}");
    expect(the("#tab-active").getAttribute("aria-selected")).toBe("true");
    await user.keyboard("{Alt>}1{/Alt}");
    expect(the("#tab-roles").getAttribute("aria-selected")).toBe("true");
    // Every tab is a button reached with Tab and opened with Enter.
    the<HTMLButtonElement>("#refresh").focus();
    await user.tab();
    expect(document.activeElement).toBe(the("#tab-roles"));
    await user.tab();
    await user.tab();
    expect(document.activeElement).toBe(the("#tab-requests"));
    await user.keyboard("{Enter}");
    expect(the("#tab-requests").getAttribute("aria-selected")).toBe("true");
    expect(texts("nav [role=tab]")).toEqual(["Roles6", "Active1", "Requests", "Approvals1", "History", "Settings"]);
  });

  it("opens at the route it was given and goes where the tray sends it", async () => {
    answer("policy", () => new Promise(() => {}));
    await openWindow(undefined, "#/approvals");
    expect(the("#tab-approvals").getAttribute("aria-selected")).toBe("true");
    await emit("navigate", "active");
    expect(the("#tab-active").getAttribute("aria-selected")).toBe("true");
    await emit("navigate", `activate/${encodeURIComponent(roles()[1].key)}`);
    expect(the("#tab-roles").getAttribute("aria-selected")).toBe("true");
    expect(the("#form-role").textContent).toBe("Owner");
  });

  it("reads routes as the tray writes them", () => {
    expect(routeTab("#/approvals")).toEqual({ tab: "approvals" });
    expect(routeTab("history")).toEqual({ tab: "history" });
    expect(routeTab("#/activate/azure-resource%3A%2Fsubscriptions%2Fs1%3Arole")).toEqual({
      tab: "roles",
      activate: "azure-resource:/subscriptions/s1:role",
    });
    expect(routeTab("#/nowhere")).toEqual({ tab: "roles" });
    expect(routeTab("")).toEqual({ tab: "roles" });
  });

  it("refreshes on Refresh, held while the app is loading", async () => {
    const fresh = deferred<SnapshotView>();
    answer("refresh", () => fresh.promise);
    const { user } = await openWindow();
    await user.click(the("#refresh"));
    expect(callsOf("refresh")).toHaveLength(1);
    expect(the("#notice").textContent).toBe("Refreshing…");
    expect(the<HTMLButtonElement>("#refresh").disabled).toBe(true);
    fresh.resolve(snapshot({ account: "grace@contoso.example", loading: true }));
    await waitFor(() => expect(the("#notice").textContent).toBe("Refreshing: done"));
    expect(the("#account").textContent).toBe("grace@contoso.example · demo tenant");
    expect(the("#refresh").textContent).toBe("Loading…");
    expect(the<HTMLButtonElement>("#refresh").disabled).toBe(true);
  });

  it("shows why a refresh failed", async () => {
    answer("refresh", () => Promise.reject({ code: "network", message: "Azure did not answer." }));
    const { user } = await openWindow();
    await user.click(the("#refresh"));
    await waitFor(() => expect(the("#notice").textContent).toBe("Azure did not answer."));
  });
});
