// The action hook alone: progress while a call runs, the error's message and code, the result, one
// call at a time, and for reads the newest answer only.
import { act, render } from "@testing-library/preact";
import { describe, expect, it } from "vitest";
import { type Action, type ActionOptions, useAction } from "../src/hooks/useAction";
import { deferred } from "./tauri";

/** Renders a component that uses the hook and hands it out. */
function hold<T>(options?: ActionOptions): { current: Action<T> } {
  const held = {} as { current: Action<T> };
  function Probe() {
    held.current = useAction<T>(options);
    return null;
  }
  render(<Probe />);
  return held;
}

describe("useAction", () => {
  it("is busy with its label while the call runs, then keeps the result", async () => {
    const action = hold<string>();
    const call = deferred<string>();
    let outcome!: Promise<unknown>;
    await act(() => {
      outcome = action.current.run("Activating", () => call.promise);
    });
    expect(action.current.busy).toBe(true);
    expect(action.current.label).toBe("Activating");
    await act(async () => {
      call.resolve("granted");
      await outcome;
    });
    expect(await outcome).toEqual({ status: "done", value: "granted" });
    expect(action.current).toMatchObject({ busy: false, label: null, error: null, result: "granted" });
  });

  it("keeps a command's error message and code", async () => {
    const action = hold();
    let outcome: unknown;
    await act(async () => {
      outcome = await action.current.run("Deciding", () =>
        Promise.reject({ code: "already-decided", message: "Someone else decided first." }),
      );
    });
    expect(outcome).toEqual({ status: "failed", message: "Someone else decided first.", code: "already-decided" });
    expect(action.current).toMatchObject({ busy: false, error: "Someone else decided first.", code: "already-decided" });
  });

  it("says what was thrown when it is not a command's error", async () => {
    const action = hold();
    await act(async () => {
      await action.current.run("Reading", () => Promise.reject(new Error("the bridge is gone")));
    });
    expect(action.current.error).toBe("the bridge is gone");
  });

  it("refuses a second call while one runs (a double submit sends once)", async () => {
    const action = hold<number>();
    const first = deferred<number>();
    let calls = 0;
    const call = () => {
      calls += 1;
      return first.promise;
    };
    let one!: Promise<unknown>;
    let two!: Promise<unknown>;
    await act(() => {
      one = action.current.run("Activating", call);
      two = action.current.run("Activating", call);
    });
    expect(await two).toEqual({ status: "skipped" });
    expect(calls).toBe(1);
    await act(async () => {
      first.resolve(1);
      await one;
    });
    // Once it is over, the next call runs.
    await act(async () => {
      await action.current.run("Activating", () => Promise.resolve(2));
    });
    expect(calls).toBe(1);
    expect(action.current.result).toBe(2);
  });

  it("for reads, lets the newest call win and drops an overtaken answer", async () => {
    const action = hold<string>({ latest: true });
    const old = deferred<string>();
    let first!: Promise<unknown>;
    let second!: Promise<unknown>;
    await act(() => {
      first = action.current.run("Reading", () => old.promise);
      second = action.current.run("Reading", () => Promise.resolve("new"));
    });
    await act(async () => {
      await second;
      old.resolve("old");
      await first;
    });
    expect(await first).toEqual({ status: "skipped" });
    expect(action.current.result).toBe("new");
    expect(action.current.busy).toBe(false);
  });
});
