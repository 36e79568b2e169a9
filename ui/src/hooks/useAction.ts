// The one way a view calls the app: runs a command, says what it is doing while it runs (for the
// "Activating…" line and disabled buttons), keeps the error's message and code or the result, and
// refuses a second call while one is under way, so a double click or a second Enter sends nothing.
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { codeOf, messageOf } from "../api";

/** How a call ended. */
export type Outcome<T> =
  | { status: "done"; value: T }
  | { status: "failed"; message: string; code: string | undefined }
  /** Not run (another call was under way), or run but overtaken by a newer one (`latest`). */
  | { status: "skipped" };

export type Action<T> = {
  /** A call is under way. */
  busy: boolean;
  /** What that call does ("Activating"), while it runs. */
  label: string | null;
  /** The last call's error in words; none once a call succeeds or while one runs. */
  error: string | null;
  /** The last error's code (`already-decided`…). */
  code: string | undefined;
  /** The last successful call's result. */
  result: T | undefined;
  /** Runs `call` under `label`. */
  run: (label: string, call: () => Promise<T>) => Promise<Outcome<T>>;
};

export type ActionOptions = {
  /** For reads: a new call replaces one under way (whose answer is then dropped) instead of
   * being refused. */
  latest?: boolean;
};

type State<T> = Omit<Action<T>, "run">;

const IDLE = { busy: false, label: null, error: null, code: undefined, result: undefined };

export function useAction<T = unknown>(options: ActionOptions = {}): Action<T> {
  const [state, setState] = useState<State<T>>(IDLE);
  // Refs, not state: a second click in the same tick must see the first call already running.
  const running = useRef(false);
  const generation = useRef(0);
  const mounted = useRef(true);
  const latest = options.latest === true;
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  const run = useCallback(
    async (label: string, call: () => Promise<T>): Promise<Outcome<T>> => {
      if (running.current && !latest) return { status: "skipped" };
      running.current = true;
      const mine = ++generation.current;
      setState((s) => ({ ...s, busy: true, label, error: null, code: undefined }));
      let outcome: Outcome<T>;
      try {
        outcome = { status: "done", value: await call() };
      } catch (e) {
        outcome = { status: "failed", message: messageOf(e), code: codeOf(e) };
      }
      if (mine !== generation.current) return { status: "skipped" };
      running.current = false;
      if (mounted.current) {
        setState((s) =>
          outcome.status === "done"
            ? { busy: false, label: null, error: null, code: undefined, result: outcome.value }
            : outcome.status === "failed"
              ? { ...s, busy: false, label: null, error: outcome.message, code: outcome.code }
              : s,
        );
      }
      return outcome;
    },
    [latest],
  );

  return { ...state, run };
}
