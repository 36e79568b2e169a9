// Requests: the user's own requests that wait (for an approver, or for their start), each with
// Cancel, and who may approve it with ways to reach them.
import { api } from "../api";
import type { RequestView } from "../bindings";
import { quotedAfter } from "../format";
import type { Act } from "../hooks/useWindowAction";
import { WaitingFor } from "./approvers";

export function Requests({ requests, busy, act }: { requests: RequestView[]; busy: boolean; act: Act }) {
  if (requests.length === 0) return <p class="empty">No request is waiting.</p>;
  return (
    <ul class="list" id="requests">
      {requests.map((r) => (
        <li class="row" key={r.id}>
          <div class="main">
            <span class="name">{r.role}</span>
            <span class="sub">
              {r.scope} · {r.status}
              {quotedAfter(r.justification)}
            </span>
          </div>
          <button disabled={busy} onClick={() => void act("Canceling the request", () => api.cancel(r.id))}>
            Cancel request
          </button>
          <WaitingFor request={r} busy={busy} act={act} />
        </li>
      ))}
    </ul>
  );
}
