// The History tab: read when it opens, shown as a table of text.
import { waitFor } from "@testing-library/preact";
import { describe, expect, it } from "vitest";
import type { ActivityListView, ActivityView, HistoryView } from "../src/bindings";
import { MARKUP, history } from "./fixtures";
import { answer, callsOf, deferred } from "./tauri";
import { openWindow, the, texts } from "./window";

describe("History", () => {
  it("reads the history when the tab opens, and lists it", async () => {
    const entries = deferred<HistoryView[]>();
    answer("history", () => entries.promise);
    const { user } = await openWindow();
    expect(callsOf("history")).toHaveLength(0);
    await user.keyboard("{Alt>}5{/Alt}");
    expect(the("#tab-history").getAttribute("aria-selected")).toBe("true");
    expect(the("main .empty").textContent).toBe("Loading…");
    await waitFor(() => expect(callsOf("history")).toEqual([{ limit: 200 }]));
    entries.resolve([history(), history({ kind: "deactivate", role: MARKUP, justification: null, status: "denied" })]);
    await waitFor(() => expect(document.querySelector("#history")).not.toBeNull());
    expect(texts("#history tbody tr:nth-child(1) td").slice(1)).toEqual([
      "activate",
      "Contributor",
      "Contoso Development",
      "done",
      "Deploying the release",
    ]);
    expect(texts("#history tbody tr:nth-child(2) td").slice(1)).toEqual(["deactivate", MARKUP, "Contoso Development", "denied", ""]);
    expect(the("#history tbody td").textContent).toBe(new Date("2025-06-01T16:20:00Z").toLocaleString());
    expect(document.querySelector("#history img")).toBeNull();
  });

  it("shows why the history could not be read", async () => {
    answer("history", () => Promise.reject({ code: "store", message: "The database could not be opened." }));
    await openWindow(undefined, "#/history");
    await waitFor(() => expect(the("main .notice.error").textContent).toBe("The database could not be opened."));
  });

  it("says when there is nothing yet", async () => {
    answer("history", () => []);
    await openWindow(undefined, "#/history");
    await waitFor(() => expect(the("main .empty").textContent).toBe("Nothing yet."));
  });

  it("includes the requests from elsewhere when asked, marked and as text", async () => {
    answer("history", () => [history()]);
    const activity = deferred<ActivityListView>();
    answer("activity", () => activity.promise);
    const { user } = await openWindow(undefined, "#/history");
    await waitFor(() => expect(document.querySelector("#history")).not.toBeNull());
    const toggle = the<HTMLInputElement>("#include-elsewhere");
    expect(toggle.checked).toBe(false);
    expect(the("#history-everywhere").textContent).toContain("Include requests from elsewhere");
    expect(callsOf("activity")).toHaveLength(0);
    await user.click(toggle);
    await waitFor(() => expect(callsOf("activity")).toEqual([{ limit: 200 }]));
    expect(the("main .empty").textContent).toBe("Reading your requests from Azure…");
    const row = (overrides: Partial<ActivityView>): ActivityView => ({
      at: "2025-06-01T16:20:00Z",
      origin: "this-machine",
      kind: "activate",
      role: "Contributor",
      scope: "Contoso Development",
      status: "done",
      justification: "Deploying the release",
      decidedBy: null,
      decisionReason: null,
      ...overrides,
    });
    activity.resolve({
      rows: [
        row({ origin: "elsewhere", role: MARKUP, justification: "=cmd|' /C calc'!A0", decidedBy: "Grace Hopper", decisionReason: "ok" }),
        row({}),
      ],
      problems: ["Microsoft Entra roles: could not reach graph.microsoft.com"],
    });
    await waitFor(() => expect(document.querySelector("#activity")).not.toBeNull());
    expect(document.querySelector("#history")).toBeNull();
    expect(texts("#activity tbody tr:nth-child(1) td").slice(1)).toEqual([
      "elsewhere",
      "activate",
      MARKUP,
      "Contoso Development",
      "done",
      "=cmd|' /C calc'!A0",
      "Grace Hopper: ok",
    ]);
    expect(the("#activity tbody tr:nth-child(2) td.origin").textContent).toBe("this machine");
    expect(document.querySelector("#activity img")).toBeNull();
    expect(the("main .notice.error").textContent).toContain("could not reach graph.microsoft.com");
    // Back to this machine's history only.
    await user.click(toggle);
    await waitFor(() => expect(document.querySelector("#history")).not.toBeNull());
    expect(document.querySelector("#activity")).toBeNull();
  });
});
