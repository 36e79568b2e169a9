// The request form on one role. It reads the role's policy first and asks only for what the policy
// needs: the duration is held to its maximum, a justification or a ticket is required only when the
// policy says so. Ctrl+Enter in the justification submits; Escape closes.
import { useEffect, useRef, useState } from "preact/hooks";
import { api, messageOf } from "../api";
import type { ActivationForm, CheckView, FormField, PolicyView, RoleView } from "../bindings";
import { placeOf } from "../format";
import { useAction } from "../hooks/useAction";
import type { Act } from "../hooks/useWindowAction";
import type { Notice } from "../notice";
import { NeedsApprovalBy } from "./approvers";

/** A scope below a role's own, for activating on only part of it. */
export type Scope = { id: string; name: string };

/** Scopes of other roles that lie below the scope of role `key` (case-insensitively, as Azure). */
export function narrowerScopes(roles: RoleView[], key: string): Scope[] {
  const role = roles.find((r) => r.key === key);
  if (!role || role.source !== "azure-resource") return [];
  const prefix = `${role.scopeId.toLowerCase()}/`;
  const seen = new Map<string, string>();
  for (const r of roles) {
    if (r.scopeId.toLowerCase().startsWith(prefix)) seen.set(r.scopeId, r.scope);
  }
  return [...seen].map(([id, name]) => ({ id, name }));
}

/** Whether a check's answer stops the form from sending: a refusal, or nothing to request. An
 * unknown answer (Azure not reached) does not: the activation reports for itself. */
export function checkStops(check: CheckView): boolean {
  return check.verdict === "refused" || check.verdict === "already-active" || check.verdict === "already-pending";
}

/** The check's message beside `field`, when its refusal concerns that field. */
function CheckNote({ check, field }: { check: CheckView | null; field: FormField }) {
  if (!check || check.verdict !== "refused" || !check.fields.includes(field)) return null;
  return (
    <p class="notice error field-check" id={`check-${field}`} role="alert">
      {check.message}
    </p>
  );
}

/** Answers to fill in: a denied request's, for Request again. Untrusted text, shown only as field
 * values. */
export type Prefill = {
  minutes?: number;
  justification?: string;
  ticketSystem?: string;
  ticketNumber?: string;
};

/** The answers in a route's query (`minutes=…&justification=…&ticketSystem=…&ticketNumber=…`). */
export function prefillOf(query: string): Prefill {
  const params = new URLSearchParams(query);
  const minutes = Number(params.get("minutes"));
  const text = (name: string) => params.get(name) ?? undefined;
  return {
    minutes: Number.isInteger(minutes) && minutes > 0 ? minutes : undefined,
    justification: text("justification"),
    ticketSystem: text("ticketSystem"),
    ticketNumber: text("ticketNumber"),
  };
}

/** The minutes to ask for: at least one, at most the policy's maximum (when it has one). */
export function clampMinutes(minutes: number, max: number | null): number {
  return Math.max(1, max ? Math.min(minutes, max) : minutes);
}

export function RequestForm({
  role,
  narrower,
  prefill,
  busy,
  act,
  say,
  onClose,
  onActivated,
}: {
  /** The role, or none when it is no longer among the eligible ones. */
  role: RoleView | null;
  /** Scopes known below this role's scope (from the other roles), for a narrower activation. */
  narrower: Scope[];
  /** Answers to start from (Request again after a denial); the user still sends the form. */
  prefill?: Prefill;
  busy: boolean;
  act: Act;
  say: (notice: Notice) => void;
  onClose: () => void;
  /** After the activation was sent (whatever Azure answered). */
  onActivated: () => void;
}) {
  const read = useAction<PolicyView>({ latest: true });
  const [minutes, setMinutes] = useState(60);
  const [justification, setJustification] = useState("");
  const [ticketSystem, setTicketSystem] = useState("");
  const [ticketNumber, setTicketNumber] = useState("");
  const [start, setStart] = useState("");
  const [scope, setScope] = useState("");
  const [favourite, setFavourite] = useState(false);
  const first = useRef<HTMLTextAreaElement>(null);
  // The last check's answer, and the form it was for (shown only while the form is unchanged).
  const [checked, setChecked] = useState<{ form: string; view: CheckView } | null>(null);
  const [checking, setChecking] = useState(false);
  useEffect(() => {
    if (!role) return;
    void read.run("Reading the role's policy", () => api.policy(role.key)).then((outcome) => {
      if (outcome.status !== "done") return;
      setMinutes(
        prefill?.minutes ? clampMinutes(prefill.minutes, outcome.value.maxMinutes ?? null) : outcome.value.defaultMinutes,
      );
      if (prefill?.justification) setJustification(prefill.justification);
      if (prefill?.ticketSystem) setTicketSystem(prefill.ticketSystem);
      if (prefill?.ticketNumber) setTicketNumber(prefill.ticketNumber);
      setTimeout(() => first.current?.focus(), 0);
    });
    const keys = (event: KeyboardEvent) => {
      if (event.key === "Escape") onClose();
    };
    window.addEventListener("keydown", keys);
    return () => window.removeEventListener("keydown", keys);
  }, [role?.key, prefill]);

  if (!role) {
    return (
      <section class="form">
        <p class="notice error">That role is no longer among your eligible roles.</p>
        <button onClick={onClose}>Back</button>
      </section>
    );
  }
  const policy = read.result ?? null;
  const max = policy?.maxMinutes ?? null;
  const missing =
    (policy?.justificationRequired && !justification.trim()) ||
    (policy?.ticketRequired && (!ticketNumber.trim() || !ticketSystem.trim()));

  /** Asks Azure to check `form` (nothing is created) and shows the answer; none when the check
   * itself could not be asked (the activation then reports for itself). Before sending (`sending`),
   * the status line tells only what stops the activation. */
  async function check(form: ActivationForm, sending: boolean): Promise<CheckView | null> {
    if (checking) return null;
    setChecking(true);
    say({ kind: "info", text: "Checking…" });
    try {
      const view = await api.checkActivation(form);
      if (!sending || checkStops(view)) {
        setChecked({ form: JSON.stringify(form), view });
        say({ kind: view.verdict === "refused" || view.verdict === "unknown" ? "error" : "info", text: view.message });
      }
      return view;
    } catch (e) {
      if (!sending) say({ kind: "error", text: messageOf(e) });
      return null;
    } finally {
      setChecking(false);
    }
  }

  async function submit(form: ActivationForm) {
    const view = await check(form, true);
    if (view && checkStops(view)) return;
    const sent = await act("Activating", () => api.activate(form));
    if (!sent) return;
    if (favourite) {
      try {
        await api.setFavourite({
          key: form.key,
          favourite: true,
          justification: form.justification,
          minutes: form.minutes,
          ticketSystem: form.ticketSystem,
          ticketNumber: form.ticketNumber,
        });
      } catch (e) {
        say({ kind: "error", text: `Activated, but not saved as a favourite: ${messageOf(e)}` });
      }
    }
    onActivated();
  }

  const current: ActivationForm = {
    key: role.key,
    minutes: clampMinutes(minutes, max),
    justification: justification.trim() || null,
    ticketSystem: ticketSystem.trim() || null,
    ticketNumber: ticketNumber.trim() || null,
    start: start ? new Date(start).toISOString() : null,
    narrowerScope: scope.trim() || null,
  };
  const shown = checked && checked.form === JSON.stringify(current) ? checked.view : null;

  return (
    <form
      class="form"
      id="activate-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (missing || busy || checking || !policy) return;
        void submit(current);
      }}
    >
      <h2>
        Activate <span id="form-role">{role.role}</span>
      </h2>
      <p class="sub">{placeOf(role)}</p>
      {read.error ? <p class="notice error">{read.error}</p> : null}
      {!policy && !read.error ? <p class="empty">Reading the role's policy…</p> : null}
      {policy?.unknown ? (
        <p class="notice info">The role's policy could not be read; Azure will check the request.</p>
      ) : null}
      {policy?.approvalRequired ? (
        <p class="notice info" id="approval-notice">
          An approver must agree before this role becomes active.
        </p>
      ) : null}
      {policy?.approvalRequired ? <NeedsApprovalBy approvers={policy.approvers} /> : null}
      {policy?.mfaRequired || policy?.authenticationContext ? (
        <p class="notice info">
          This role asks for a stronger sign-in
          {policy.authenticationContext ? ` (authentication context ${policy.authenticationContext})` : ""}; Elevate
          signs you in again if needed.
        </p>
      ) : null}
      <label>
        Duration (minutes{max ? `, at most ${max}` : ""})
        <input
          id="minutes"
          type="number"
          min={1}
          max={max ?? undefined}
          value={minutes}
          onInput={(e) => setMinutes(Number((e.target as HTMLInputElement).value) || 0)}
        />
      </label>
      <CheckNote check={shown} field="duration" />
      <label>
        Justification{policy?.justificationRequired ? " (required)" : " (optional)"}
        <textarea
          id="justification"
          ref={first}
          rows={2}
          required={policy?.justificationRequired}
          value={justification}
          onInput={(e) => setJustification((e.target as HTMLTextAreaElement).value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
              (e.currentTarget.form as HTMLFormElement | null)?.requestSubmit();
            }
          }}
        />
      </label>
      <CheckNote check={shown} field="justification" />
      {policy && policy.presets.length + policy.recentReasons.length > 0 ? (
        <div class="presets" aria-label="Presets and recent reasons">
          {[...new Set([...policy.presets, ...policy.recentReasons])].map((reason) => (
            <button type="button" class="chip" key={reason} onClick={() => setJustification(reason)}>
              {reason}
            </button>
          ))}
        </div>
      ) : null}
      {policy?.ticketRequired ? (
        <div class="pair">
          <label>
            Ticket system (required)
            <input
              id="ticket-system"
              required
              placeholder="e.g. ServiceNow"
              value={ticketSystem}
              onInput={(e) => setTicketSystem((e.target as HTMLInputElement).value)}
            />
          </label>
          <label>
            Ticket number (required)
            <input
              id="ticket-number"
              required
              value={ticketNumber}
              onInput={(e) => setTicketNumber((e.target as HTMLInputElement).value)}
            />
          </label>
        </div>
      ) : null}
      <CheckNote check={shown} field="ticket" />
      {role.source === "azure-resource" ? (
        <label>
          Narrower scope (optional: only part of {role.scope})
          <input
            id="narrower-scope"
            list="narrower-scopes"
            placeholder={`${role.scopeId}/resourceGroups/…`}
            value={scope}
            onInput={(e) => setScope((e.target as HTMLInputElement).value)}
          />
          <datalist id="narrower-scopes">
            {narrower.map((s) => (
              <option value={s.id} key={s.id}>
                {s.name}
              </option>
            ))}
          </datalist>
        </label>
      ) : null}
      <CheckNote check={shown} field="scope" />
      <label>
        Start (optional, default now)
        <input id="start" type="datetime-local" value={start} onInput={(e) => setStart((e.target as HTMLInputElement).value)} />
      </label>
      <label class="check">
        <input
          id="save-favourite"
          type="checkbox"
          checked={favourite}
          onChange={(e) => setFavourite((e.target as HTMLInputElement).checked)}
        />
        Save as a favourite with these answers (one click in the tray)
      </label>
      <CheckNote check={shown} field="sign-in" />
      {shown && !(shown.verdict === "refused" && shown.fields.length > 0) ? (
        <p
          id="check-result"
          class={`notice ${shown.verdict === "refused" || shown.verdict === "unknown" ? "error" : "info"}`}
          role="status"
        >
          {shown.message}
          {shown.notes.map((note) => (
            <span class="check-note" key={note}>
              {" "}
              {note}
            </span>
          ))}
        </p>
      ) : null}
      <div class="buttons">
        <button type="submit" id="submit" class="primary" disabled={busy || checking || !policy || !!missing}>
          {checking ? "Checking…" : busy ? "Activating…" : "Activate"}
        </button>
        <button
          type="button"
          id="check"
          title="Ask Azure whether this request would be granted; nothing is sent"
          disabled={busy || checking || !policy}
          onClick={() => void check(current, false)}
        >
          Check
        </button>
        <button type="button" onClick={onClose}>
          Cancel (Esc)
        </button>
      </div>
    </form>
  );
}
