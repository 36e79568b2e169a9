// Approvals: others' requests that wait for the user's decision. Approve and Deny each need a
// reason, typed per request.
import { useState } from "preact/hooks";
import { api } from "../api";
import type { RequestView } from "../bindings";
import type { Act } from "../hooks/useWindowAction";

export function Approvals({ requests, busy, act }: { requests: RequestView[]; busy: boolean; act: Act }) {
  const [reasons, setReasons] = useState<Record<string, string>>({});
  if (requests.length === 0) return <p class="empty">Nothing waits for your decision.</p>;
  const decide = (r: RequestView, approve: boolean, reason: string) =>
    act(approve ? "Approving" : "Denying", () => api.decide(r.id, approve, reason));
  return (
    <ul class="list" id="approvals">
      {requests.map((r) => {
        const reason = reasons[r.id] ?? "";
        return (
          <li class="row approval" data-id={r.id} key={r.id}>
            <div class="main">
              <span class="name">
                {r.requester ?? "Someone"} asks for {r.role}
              </span>
              <span class="sub requester">
                {r.requesterAccount ?? ""}
                {r.requesterGuest ? <strong class="guest"> Guest</strong> : null}
              </span>
              <span class="sub">
                {r.scopePath.join(" / ")} · {r.kind}
                {r.durationMinutes ? ` · ${r.durationMinutes} min` : ""}
                {r.ticket ? ` · ticket ${r.ticket}` : ""}
              </span>
              {r.justification ? <span class="quote">“{r.justification}”</span> : null}
              <input
                class="reason"
                placeholder="Your reason (required)"
                aria-label="Your reason"
                value={reason}
                onInput={(e) => setReasons({ ...reasons, [r.id]: (e.target as HTMLInputElement).value })}
              />
            </div>
            <button
              class="approve primary"
              disabled={busy || !reason.trim()}
              onClick={() => void decide(r, true, reason)}
            >
              Approve
            </button>
            <button class="deny" disabled={busy || !reason.trim()} onClick={() => void decide(r, false, reason)}>
              Deny
            </button>
          </li>
        );
      })}
    </ul>
  );
}
