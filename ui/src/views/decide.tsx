// The decision pop-up: a small window, kept on top, on one request that waits for the user's decision
// (opened from the notification's Approve…, Deny… or Details, which all just open it). Nothing is
// chosen for the user: no verdict is pre-selected, nothing that sends is focused, and for a second
// after it opens or moves to another request every submit is ignored, so keys typed for another
// window cannot decide. A reason is always required. A request someone else decided meanwhile is
// said so, not shown as an error. Everything from Azure is text.
import { useEffect, useRef, useState } from "preact/hooks";
import { api, messageOf, onNavigate } from "../api";
import type { RequestView } from "../bindings";
import { countdown, useNow } from "../clock";
import { sourceName, timeOrNow } from "../format";
import { useAction } from "../hooks/useAction";
import { useSnapshot } from "../hooks/useSnapshot";
import { type Notice, StatusLine, progressOf } from "../notice";

type Verdict = "approve" | "deny" | null;

const PREFIX = "decide/";

/** How long after opening (or moving to another request) submits are ignored. */
const ARM_DELAY_MS = 1000;

/** Whether `route` (a location hash) is the pop-up's. */
export function isDecisionRoute(route: string): boolean {
  return decodeURIComponent(route.replace(/^#?\/?/, "")).startsWith(PREFIX);
}

/** `decide/<word>/<request id>` (the id last: Azure's ids hold `/`). The word is not a verdict:
 * the pop-up never pre-selects one, whatever the route says. */
function parseRoute(route: string): { id: string } {
  const rest = decodeURIComponent(route.replace(/^#?\/?/, "")).slice(PREFIX.length);
  const slash = rest.indexOf("/");
  return { id: slash < 0 ? "" : rest.slice(slash + 1) };
}

export function DecisionPopup() {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  const [outcome, setOutcome] = useState<Notice | null>(null);
  const [snapshot, setSnapshot] = useSnapshot((message) => setOutcome({ kind: "error", text: message }));
  const [verdict, setVerdict] = useState<Verdict>(null);
  // Bumped on every navigation: re-arms the one-second guard.
  const [visit, setVisit] = useState(0);
  // The request (and visit) the guard last let through; anything else shown is not armed yet.
  const [armedKey, setArmedKey] = useState("");
  const [reason, setReason] = useState("");
  const action = useAction<RequestView>();
  const busy = action.busy;
  const [decided, setDecided] = useState<RequestView | null>(null);
  const refreshed = useRef(false);
  const reasonField = useRef<HTMLTextAreaElement>(null);
  const closeButton = useRef<HTMLButtonElement>(null);
  const now = useNow(snapshot);

  useEffect(() => {
    const stop = onNavigate((next) => {
      if (!isDecisionRoute(next)) return;
      const parsed = parseRoute(next);
      setRoute(parsed);
      setVisit((n) => n + 1);
      setVerdict(null);
      setReason("");
      setOutcome(null);
      setDecided(null);
    });
    const keys = (event: KeyboardEvent) => {
      if (event.key === "Escape") {
        event.preventDefault();
        void close();
      }
    };
    window.addEventListener("keydown", keys);
    return () => {
      window.removeEventListener("keydown", keys);
      void stop.then((unlisten) => unlisten());
    };
  }, []);

  const request = snapshot?.approvals.find((r) => r.id === route.id) ?? null;
  // Armed only once the same request has been on screen for a second: a new request or a new
  // visit is unarmed from its very first render.
  const armKey = request ? `${visit}#${request.id}` : "";
  const armed = armKey !== "" && armedKey === armKey;

  // The notification may come before the app's snapshot has the request: look once more.
  useEffect(() => {
    if (snapshot && !snapshot.loading && !request && !decided && !refreshed.current) {
      refreshed.current = true;
      api.refresh().then(setSnapshot, (e) => setOutcome({ kind: "error", text: messageOf(e) }));
    }
  }, [snapshot, request, decided]);

  // Submits count only from a second after the request is shown (again).
  useEffect(() => {
    if (!armKey) return;
    const timer = setTimeout(() => setArmedKey(armKey), ARM_DELAY_MS);
    return () => clearTimeout(timer);
  }, [armKey]);
  useEffect(() => {
    if (decided || (snapshot && !request && refreshed.current)) closeButton.current?.focus();
  }, [decided, snapshot, request]);

  async function close() {
    try {
      await api.closeWindow();
    } catch (e) {
      setOutcome({ kind: "error", text: messageOf(e) });
    }
  }

  async function submit() {
    const shown = request;
    if (!shown || !verdict || !reason.trim() || busy) return;
    if (!armed) return;
    const approve = verdict === "approve";
    const result = await action.run(approve ? "Approving" : "Denying", () =>
      api.decide(shown.id, approve, reason.trim()),
    );
    if (result.status === "done") {
      setDecided(shown);
      setOutcome({
        kind: "ok",
        text: `${approve ? "Approved" : "Denied"}: ${shown.requester ?? "the requester"} is told.`,
      });
    } else if (result.status === "failed" && result.code === "already-decided") {
      setDecided(shown);
      setOutcome({ kind: "info", text: "Someone else decided this request first; nothing was changed." });
    } else if (result.status === "failed") {
      setOutcome({ kind: "error", text: result.message });
    }
  }

  const shown = decided ?? request;
  const deadline = shown?.decideBy ? Date.parse(shown.decideBy) - now : null;

  return (
    <div class="app popup" id="decision">
      <header>
        <div class="who">
          <strong>A request waits for you</strong>
        </div>
      </header>
      <main>
        {!snapshot ? (
          <p class="empty">Loading…</p>
        ) : !shown ? (
          <p class="empty" id="gone">
            {snapshot.loading || !refreshed.current
              ? "Looking for the request…"
              : "This request no longer waits for you: someone else decided it, or it was canceled or timed out."}
          </p>
        ) : (
          <form
            class="form"
            data-armed={armed && !decided ? "true" : "false"}
            onSubmit={(e) => {
              e.preventDefault();
              void submit();
            }}
            onKeyDown={(e) => {
              if (e.key === "Enter" && e.ctrlKey) {
                e.preventDefault();
                void submit();
              }
            }}
          >
            <h2 id="title">
              {shown.requester ?? "Someone"} asks for {shown.role}
            </h2>
            <dl class="facts">
              <dt>Who</dt>
              <dd id="requester">
                {shown.requester ?? "Someone"}
                {shown.requesterAccount ? <span id="requester-account"> &lt;{shown.requesterAccount}&gt;</span> : null}
                {shown.requesterGuest ? (
                  <strong id="guest" class="guest" title="A guest account from another organisation">
                    {" "}
                    Guest
                  </strong>
                ) : null}
              </dd>
              <dt>Scope</dt>
              <dd id="scope">{shown.scopePath.join(" / ")}</dd>
              <dt>Source</dt>
              <dd id="source">{sourceName(shown.source)}</dd>
              <dt>Asks to</dt>
              <dd id="kind">{shown.kind}</dd>
              <dt>For</dt>
              <dd>{shown.durationMinutes ? `${shown.durationMinutes} min` : "the policy's maximum"}</dd>
              <dt>From</dt>
              <dd>{timeOrNow(shown.start)}</dd>
              <dt>Why</dt>
              <dd class="quote" id="justification">
                {shown.justification ?? "(no justification given)"}
              </dd>
              {shown.ticket ? (
                <>
                  <dt>Ticket</dt>
                  <dd>{shown.ticket}</dd>
                </>
              ) : null}
              <dt>Asked</dt>
              <dd>{timeOrNow(shown.created)}</dd>
              {deadline !== null ? (
                <>
                  <dt>Decide within</dt>
                  <dd class={`countdown${deadline < 3_600_000 ? " soon" : ""}`}>
                    {countdown(deadline)} (Azure's usual approval window)
                  </dd>
                </>
              ) : null}
            </dl>
            {decided ? null : (
              <>
                <div class="buttons" role="radiogroup" aria-label="Decision">
                  <button
                    type="button"
                    id="verdict-approve"
                    role="radio"
                    aria-checked={verdict === "approve"}
                    class={verdict === "approve" ? "primary" : ""}
                    onClick={() => setVerdict("approve")}
                  >
                    Approve
                  </button>
                  <button
                    type="button"
                    id="verdict-deny"
                    role="radio"
                    aria-checked={verdict === "deny"}
                    class={verdict === "deny" ? "primary" : ""}
                    onClick={() => setVerdict("deny")}
                  >
                    Deny
                  </button>
                </div>
                <label>
                  Your reason (required)
                  <textarea
                    id="reason"
                    ref={reasonField}
                    rows={3}
                    value={reason}
                    onInput={(e) => setReason((e.target as HTMLTextAreaElement).value)}
                  />
                </label>
              </>
            )}
            <StatusLine id="outcome" notice={busy ? progressOf(action.label) : outcome} />
            <div class="buttons">
              {decided ? null : (
                <button
                  type="submit"
                  id="submit"
                  class="primary"
                  disabled={busy || !armed || !verdict || !reason.trim()}
                  title="Ctrl+Enter"
                >
                  {verdict === "deny" ? "Deny" : verdict === "approve" ? "Approve" : "Choose Approve or Deny"}
                </button>
              )}
              <button type="button" id="close" ref={closeButton} onClick={() => void close()} title="Escape">
                Close
              </button>
            </div>
          </form>
        )}
        {!shown && snapshot ? (
          <div class="buttons">
            <button type="button" id="close" ref={closeButton} onClick={() => void close()}>
              Close
            </button>
          </div>
        ) : null}
      </main>
    </div>
  );
}
