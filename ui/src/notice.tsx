// The one-line status under a view's header: what is under way, what was done, what failed.
import type { Outcome } from "./hooks/useAction";

export type Notice = { kind: "ok" | "error" | "info"; text: string };

/** The line itself; `id` is what the window's end-to-end tests read (`notice`, `settings-notice`…). */
export function StatusLine({ id, notice }: { id: string; notice: Notice | null }) {
  if (!notice) return null;
  return (
    <p id={id} class={`notice ${notice.kind}`} role="status">
      {notice.text}
    </p>
  );
}

/** What to say about a finished command run as `label`: the app's own sentence when it sent one
 * (an `ActionView`, an error when its outcome is one), else "<label>: done". A request someone else
 * decided first is news, not an error. */
export function noticeOf(label: string, outcome: Outcome<unknown>): Notice | null {
  if (outcome.status === "skipped") return null;
  if (outcome.status === "failed") {
    return { kind: outcome.code === "already-decided" ? "info" : "error", text: outcome.message };
  }
  const view = outcome.value as { message?: unknown; outcome?: unknown } | null;
  if (view && typeof view === "object" && typeof view.message === "string" && view.message) {
    const failed = view.outcome === "error" || view.outcome === "failed" || view.outcome === "denied";
    return { kind: failed ? "error" : "ok", text: view.message };
  }
  return { kind: "ok", text: `${label}: done` };
}

/** The line while `label` runs. */
export function progressOf(label: string | null): Notice {
  return { kind: "info", text: `${label ?? "Working"}…` };
}
