// The main window's commands: one `useAction` for all its views, so one command runs at a time
// across the window, and one status line (`#notice`) that outlives the view that started it (the
// request form closes on success; its outcome stays on screen).
import { useState } from "preact/hooks";
import { type Notice, noticeOf, progressOf } from "../notice";
import { useAction } from "./useAction";

/** Runs a command under `label` and reports it in the window's status line; true when it
 * succeeded, false when it failed or another command was under way. */
export type Act = (label: string, call: () => Promise<unknown>) => Promise<boolean>;

export function useWindowAction(): {
  busy: boolean;
  notice: Notice | null;
  act: Act;
  /** Puts a notice of the window's own on the status line. */
  say: (notice: Notice) => void;
} {
  const action = useAction<unknown>();
  const [notice, setNotice] = useState<Notice | null>(null);
  const act: Act = async (label, call) => {
    const outcome = await action.run(label, call);
    const said = noticeOf(label, outcome);
    if (said) setNotice(said);
    return outcome.status === "done";
  };
  return { busy: action.busy, notice: action.busy ? progressOf(action.label) : notice, act, say: setNotice };
}
