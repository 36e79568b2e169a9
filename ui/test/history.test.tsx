// The History tab: read when it opens, shown as a table of text.
import { waitFor } from "@testing-library/preact";
import { describe, expect, it } from "vitest";
import type { HistoryView } from "../src/bindings";
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
    expect(document.querySelector("main")?.textContent).toBe("Loading…");
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
    await waitFor(() => expect(document.querySelector("main")?.textContent).toBe("Nothing yet."));
  });
});
