// The Active tab: grants with their countdowns, Extend when Azure allows it, Deactivate, and
// standing assignments without either.
import { act, waitFor } from "@testing-library/preact";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ActionView } from "../src/bindings";
import { done, grant, snapshot } from "./fixtures";
import { answer, callsOf, deferred } from "./tauri";
import { openWindow, the, texts } from "./window";

const CONTRIBUTOR = grant({ end: "2025-06-02T10:00:30Z" });
const SOON = grant({ key: "soon", role: "Owner", scope: "Contoso Production", end: "2025-06-02T09:10:30Z" });
const STANDING = grant({ key: "standing", role: "Reader", scope: "Contoso", activated: false, start: null, end: null });

/** Opens the Active tab once it counts by the session's clock (clock.ts takes the snapshot's time at
 * its next tick, a second later; the timers are fake but move on with real time too). */
async function openActive(grants = [CONTRIBUTOR, SOON, STANDING]) {
  const opened = await openWindow(snapshot({ active: grants }), "#/active");
  await act(async () => {
    await vi.advanceTimersByTimeAsync(1200);
  });
  expect(texts("#active .countdown")).not.toContain("ended left");
  return opened;
}

function row(role: string): HTMLElement {
  const found = [...document.querySelectorAll<HTMLElement>("#active .grant")].find(
    (r) => r.querySelector(".name")?.textContent === role,
  );
  if (!found) throw new Error(`no grant of ${role}`);
  return found;
}

beforeEach(() => {
  vi.useFakeTimers({ shouldAdvanceTime: true });
});

afterEach(() => {
  vi.useRealTimers();
});

describe("Active", () => {
  it("lists the grants with the time left by the session's clock", async () => {
    await openActive();
    expect(the("#tab-active").getAttribute("aria-selected")).toBe("true");
    expect(texts("#active .grant .name")).toEqual(["Contributor", "Owner", "Reader"]);
    expect(row("Contributor").querySelector(".countdown")?.textContent).toBe("1 h 00 min left");
    expect(row("Contributor").querySelector(".countdown")?.classList.contains("soon")).toBe(false);
    // Less than a quarter of an hour left is marked.
    expect(row("Owner").querySelector(".countdown")?.textContent).toMatch(/^10 min [23]\d s left$/);
    expect(row("Owner").querySelector(".countdown")?.classList.contains("soon")).toBe(true);
    expect(the("#tab-active .count").textContent).toBe("3");
  });

  it("counts down as time passes", async () => {
    await openActive([SOON]);
    const before = row("Owner").querySelector(".countdown")?.textContent;
    await act(() => {
      vi.advanceTimersByTime(61_000);
    });
    const after = row("Owner").querySelector(".countdown")?.textContent;
    expect(after).not.toBe(before);
    expect(after).toMatch(/^9 min [23]\d s left$/);
  });

  it("shows a standing assignment as permanent, without Extend or Deactivate", async () => {
    await openActive();
    const reader = row("Reader");
    expect(reader.querySelector(".countdown")?.textContent).toBe("permanent");
    expect(reader.querySelector(".badge")?.textContent).toBe("standing");
    expect(reader.querySelectorAll("button")).toHaveLength(0);
  });

  it("says why Extend waits: the policy, or Azure's first five minutes", async () => {
    await openActive([
      grant({ extendFrom: "2025-06-02T09:02:10Z" }),
      grant({ key: "approval", role: "Owner", extendBlocked: "The policy asks for an approval to extend." }),
    ]);
    const early = row("Contributor").querySelector<HTMLButtonElement>("button.extend");
    expect(early?.disabled).toBe(true);
    expect(row("Contributor").querySelector(".why")?.textContent).toMatch(/^Can be extended in 3 min: Azure refuses/);
    const blocked = row("Owner").querySelector<HTMLButtonElement>("button.extend");
    expect(blocked?.disabled).toBe(true);
    expect(blocked?.title).toBe("The policy asks for an approval to extend.");
  });

  it("deactivates a grant, with progress meanwhile and every button held", async () => {
    const deactivation = deferred<ActionView>();
    answer("deactivate", () => deactivation.promise);
    const { user } = await openActive();
    await user.click(row("Contributor").querySelector<HTMLButtonElement>("button.deactivate")!);
    expect(callsOf("deactivate")).toEqual([{ key: CONTRIBUTOR.key }]);
    expect(the("#notice").textContent).toBe("Deactivating Contributor…");
    for (const button of document.querySelectorAll<HTMLButtonElement>("#active button, #refresh")) {
      expect(button.disabled).toBe(true);
    }
    // A second click while it runs sends nothing.
    await user.click(row("Owner").querySelector<HTMLButtonElement>("button.deactivate")!);
    expect(callsOf("deactivate")).toHaveLength(1);
    deactivation.resolve(done("Contributor on Contoso Development: done, deactivated."));
    await waitFor(() => expect(the("#notice").textContent).toBe("Contributor on Contoso Development: done, deactivated."));
    expect(row("Owner").querySelector<HTMLButtonElement>("button.deactivate")?.disabled).toBe(false);
  });

  it("extends a grant and shows an outcome that failed as an error", async () => {
    answer("extend", () => ({ outcome: "failed", message: "Contributor: Azure refused the extension.", notes: [] }));
    const { user } = await openActive();
    await user.click(row("Contributor").querySelector<HTMLButtonElement>("button.extend")!);
    expect(callsOf("extend")).toEqual([{ key: CONTRIBUTOR.key }]);
    await waitFor(() => expect(the("#notice").textContent).toBe("Contributor: Azure refused the extension."));
    expect(the("#notice").className).toBe("notice error");
  });

  it("says when nothing is active", async () => {
    await openActive([]);
    expect(document.querySelector("main")?.textContent).toBe("Nothing is active.");
  });
});
