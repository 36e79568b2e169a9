// Who may approve: under one of the user's requests that waits for approval, its approvers by name
// with "E-mail" and "Teams chat" (the shell builds and opens the link: the window names only the
// request, the approver and the channel); and, in the activation form, who will decide.
import { useEffect, useState } from "preact/hooks";
import { api } from "../api";
import type { ApproverView, ContactChannel, RequestView, WaitingView } from "../bindings";
import type { Act } from "../hooks/useWindowAction";

/** "Grace Hopper", "PIM Approvers (group)": a name as text, never markup. */
export function approverName(a: ApproverView): string {
  return a.kind === "group" ? `${a.name} (group)` : a.name;
}

/** The names of `approvers` in one line. */
export function approverNames(approvers: ApproverView[]): string {
  return approvers.map(approverName).join(", ");
}

/** The approvers of `request`, read when it waits for a decision; nothing when they cannot be read
 * (the request is still listed). */
export function WaitingFor({ request, busy, act }: { request: RequestView; busy: boolean; act: Act }) {
  const [waiting, setWaiting] = useState<WaitingView | null>(null);
  const waits = request.decideBy !== null;
  useEffect(() => {
    if (!waits) return;
    let current = true;
    api.requestApprovers(request.id).then(
      (view) => current && setWaiting(view),
      () => current && setWaiting(null),
    );
    return () => {
      current = false;
    };
  }, [request.id, waits]);
  if (!waits || !waiting || waiting.approvers.length === 0) return null;
  const contact = (approver: string | null, channel: ContactChannel, label: string) =>
    void act(label, () => api.contactApprovers(request.id, approver, channel));
  const several = waiting.approvers.length > 1;
  return (
    <div class="approvers" data-request={request.id}>
      <span class="sub waiting-for">Waiting for {approverNames(waiting.approvers)}</span>
      <ul class="approver-list">
        {waiting.approvers.map((a) => (
          <li class="approver" key={a.id}>
            <span class="approver-name">{approverName(a)}</span>
            {a.backup ? <span class="badge">backup</span> : null}
            {a.canMail ? (
              <button class="mail" disabled={busy} onClick={() => contact(a.id, "mail", "Opening an e-mail")}>
                E-mail
              </button>
            ) : null}
            {a.canChat ? (
              <button class="chat" disabled={busy} onClick={() => contact(a.id, "teams", "Opening a Teams chat")}>
                Teams chat
              </button>
            ) : null}
          </li>
        ))}
      </ul>
      {several && (waiting.canMailAll || waiting.canChatAll) ? (
        <div class="buttons">
          {waiting.canMailAll ? (
            <button class="mail-all" disabled={busy} onClick={() => contact(null, "mail", "Opening an e-mail")}>
              E-mail all
            </button>
          ) : null}
          {waiting.canChatAll ? (
            <button class="chat-all" disabled={busy} onClick={() => contact(null, "teams", "Opening a Teams chat")}>
              Teams chat with all
            </button>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}

/** The form's line on who will decide, when the policy names them. */
export function NeedsApprovalBy({ approvers }: { approvers: ApproverView[] }) {
  if (approvers.length === 0) return null;
  return (
    <p class="notice info" id="approvers-notice">
      Needs approval by {approverNames(approvers)}.
    </p>
  );
}
