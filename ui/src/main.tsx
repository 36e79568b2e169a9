// Elevate's window. Everything from Azure is rendered as text (JSX escapes it); nothing is ever set as
// HTML. Keyboard first: "/" searches, Enter on a role opens its form, Escape closes it, Alt+1…6 switch
// tabs.
import { render } from "preact";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import "./style.css";
import { api, codeOf, messageOf, onNavigate, onSnapshot } from "./api";
import { countdown, useNow } from "./clock";
import { DecisionPopup, isDecisionRoute } from "./decide";
import { Settings } from "./settings";
import type { GrantView, HistoryView, PolicyView, RequestView, RoleView, SnapshotView } from "./bindings";

type Tab = "roles" | "active" | "requests" | "approvals" | "history" | "settings";
const TABS: { id: Tab; label: string }[] = [
  { id: "roles", label: "Roles" },
  { id: "active", label: "Active" },
  { id: "requests", label: "Requests" },
  { id: "approvals", label: "Approvals" },
  { id: "history", label: "History" },
  { id: "settings", label: "Settings" },
];

type Notice = { kind: "ok" | "error" | "info"; text: string };

function routeTab(route: string): { tab: Tab; activate?: string } {
  const clean = decodeURIComponent(route.replace(/^#?\/?/, ""));
  if (clean.startsWith("activate/")) return { tab: "roles", activate: clean.slice("activate/".length) };
  const tab = TABS.find((t) => t.id === clean)?.id;
  return { tab: tab ?? "roles" };
}

function App() {
  const initial = routeTab(location.hash);
  const [snapshot, setSnapshot] = useState<SnapshotView | null>(null);
  const [tab, setTab] = useState<Tab>(initial.tab);
  const [activating, setActivating] = useState<string | null>(initial.activate ?? null);
  const [notice, setNotice] = useState<Notice | null>(null);
  const [busy, setBusy] = useState(false);
  const now = useNow(snapshot);

  useEffect(() => {
    api.snapshot().then(setSnapshot, (e) => setNotice({ kind: "error", text: messageOf(e) }));
    const stops = [
      onSnapshot(setSnapshot),
      onNavigate((route) => {
        const next = routeTab(route);
        setTab(next.tab);
        if (next.activate) setActivating(next.activate);
      }),
    ];
    const keys = (event: KeyboardEvent) => {
      if (event.altKey && /^[1-6]$/.test(event.key)) {
        setTab(TABS[Number(event.key) - 1].id);
        event.preventDefault();
      }
    };
    window.addEventListener("keydown", keys);
    return () => {
      window.removeEventListener("keydown", keys);
      stops.forEach((p) => p.then((stop) => stop()));
    };
  }, []);

  async function run(label: string, action: () => Promise<unknown>) {
    setBusy(true);
    setNotice({ kind: "info", text: `${label}…` });
    try {
      const result = await action();
      const view = result as { message?: string; outcome?: string } | null;
      if (view && typeof view === "object" && "message" in view && view.message) {
        const failed = view.outcome === "error" || view.outcome === "failed" || view.outcome === "denied";
        setNotice({ kind: failed ? "error" : "ok", text: view.message });
      } else {
        setNotice({ kind: "ok", text: `${label}: done` });
      }
      return true;
    } catch (e) {
      const already = codeOf(e) === "already-decided";
      setNotice({ kind: already ? "info" : "error", text: messageOf(e) });
      return false;
    } finally {
      setBusy(false);
    }
  }

  const counts: Record<Tab, number | null> = {
    roles: snapshot?.roles.length ?? null,
    active: snapshot?.active.length ?? null,
    requests: snapshot?.pending.length ?? null,
    approvals: snapshot?.approvals.length ?? null,
    history: null,
    settings: null,
  };

  return (
    <div class="app">
      <header>
        <div class="who">
          <strong>Elevate</strong>
          <span id="account">
            {snapshot?.account ? snapshot.account : "Signing in…"}
            {snapshot?.demo ? " · demo tenant" : ""}
          </span>
        </div>
        <button
          id="refresh"
          disabled={busy || snapshot?.loading}
          onClick={() => run("Refreshing", () => api.refresh().then(setSnapshot))}
        >
          {snapshot?.loading ? "Loading…" : "Refresh"}
        </button>
      </header>
      <nav role="tablist" aria-label="Sections">
        {TABS.map((t, i) => (
          <button
            role="tab"
            id={`tab-${t.id}`}
            aria-selected={tab === t.id}
            title={`Alt+${i + 1}`}
            onClick={() => setTab(t.id)}
          >
            {t.label}
            {counts[t.id] ? <span class="count">{counts[t.id]}</span> : null}
          </button>
        ))}
      </nav>
      {snapshot?.error ? <p class="notice error" role="alert">{snapshot.error}</p> : null}
      {snapshot?.problems.map((p) => <p class="notice error">{p}</p>)}
      {notice ? (
        <p id="notice" class={`notice ${notice.kind}`} role="status">
          {notice.text}
        </p>
      ) : null}
      <main>
        {!snapshot ? (
          <p class="empty">Loading…</p>
        ) : tab === "roles" ? (
          activating ? (
            <ActivateForm
              role={snapshot.roles.find((r) => r.key === activating) ?? null}
              narrower={narrowerScopes(snapshot.roles, activating)}
              busy={busy}
              onClose={() => setActivating(null)}
              onSubmit={async (form, favourite) => {
                const ok = await run("Activating", () => api.activate(form));
                if (ok && favourite) {
                  try {
                    await api.setFavourite({ ...form, favourite: true });
                  } catch (e) {
                    setNotice({ kind: "error", text: `Activated, but not saved as a favourite: ${messageOf(e)}` });
                  }
                }
                if (ok) {
                  setActivating(null);
                  setTab("active");
                }
              }}
            />
          ) : (
            <Roles
              roles={snapshot.roles}
              onActivate={setActivating}
              onFavourite={(r) =>
                run(r.favourite ? "Removing the favourite" : "Adding a favourite", () =>
                  api.setFavourite({
                    key: r.key,
                    favourite: !r.favourite,
                    justification: null,
                    minutes: null,
                    ticketSystem: null,
                    ticketNumber: null,
                  }),
                )
              }
            />
          )
        ) : tab === "active" ? (
          <Active
            grants={snapshot.active}
            now={now}
            busy={busy}
            onDeactivate={(g) => run(`Deactivating ${g.role}`, () => api.deactivate(g.key))}
            onExtend={(g) => run(`Extending ${g.role}`, () => api.extend(g.key))}
          />
        ) : tab === "requests" ? (
          <Requests
            requests={snapshot.pending}
            busy={busy}
            onCancel={(r) => run("Canceling the request", () => api.cancel(r.id))}
          />
        ) : tab === "approvals" ? (
          <Approvals
            requests={snapshot.approvals}
            busy={busy}
            onDecide={(r, approve, reason) =>
              run(approve ? "Approving" : "Denying", () => api.decide(r.id, approve, reason))
            }
          />
        ) : tab === "history" ? (
          <History />
        ) : (
          <Settings snapshot={snapshot} />
        )}
      </main>
    </div>
  );
}

function Roles({
  roles,
  onActivate,
  onFavourite,
}: {
  roles: RoleView[];
  onActivate: (key: string) => void;
  onFavourite: (role: RoleView) => void;
}) {
  const [query, setQuery] = useState("");
  const [source, setSource] = useState("");
  const search = useRef<HTMLInputElement>(null);
  useEffect(() => {
    const keys = (event: KeyboardEvent) => {
      if (event.key === "/" && document.activeElement?.tagName !== "INPUT") {
        search.current?.focus();
        event.preventDefault();
      }
    };
    window.addEventListener("keydown", keys);
    search.current?.focus();
    return () => window.removeEventListener("keydown", keys);
  }, []);
  const shown = useMemo(() => {
    const words = query.toLowerCase().split(/\s+/).filter(Boolean);
    return roles.filter((r) => {
      if (source && r.source !== source) return false;
      const text = `${r.role} ${r.scope} ${r.scopeKind} ${r.sourceLabel}`.toLowerCase();
      return words.every((w) => text.includes(w));
    });
  }, [roles, query, source]);
  return (
    <section>
      <div class="toolbar">
        <input
          id="search"
          ref={search}
          type="search"
          placeholder="Search roles and scopes  ( / )"
          aria-label="Search roles and scopes"
          value={query}
          onInput={(e) => setQuery((e.target as HTMLInputElement).value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && shown.length > 0) onActivate(shown[0].key);
          }}
        />
        <select
          id="source"
          aria-label="Source"
          value={source}
          onChange={(e) => setSource((e.target as HTMLSelectElement).value)}
        >
          <option value="">All sources</option>
          <option value="azure-resource">Azure resources</option>
          <option value="entra-role">Entra roles</option>
          <option value="group">Groups</option>
        </select>
      </div>
      {shown.length === 0 ? (
        <p class="empty">{roles.length === 0 ? "You are not eligible for any role." : "No role matches."}</p>
      ) : (
        <ul class="list" id="roles">
          {shown.map((r) => (
            <li class="row role" data-key={r.key}>
              <div class="main">
                <span class="name">
                  {r.favourite ? "★ " : ""}
                  {r.role}
                </span>
                <span class="sub">
                  {r.scope} · {r.scopeKind} · {r.sourceLabel}
                  {r.viaGroup ? " · through a group" : ""}
                </span>
              </div>
              {r.active ? <span class="badge on">active</span> : null}
              <button
                class="star"
                aria-pressed={r.favourite}
                aria-label={r.favourite ? `Remove ${r.role} at ${r.scope} from favourites` : `Add ${r.role} at ${r.scope} to favourites`}
                title={r.favourite ? "Remove from favourites" : "Add to favourites (one click in the tray)"}
                onClick={() => onFavourite(r)}
              >
                {r.favourite ? "★" : "☆"}
              </button>
              <button class="activate" onClick={() => onActivate(r.key)}>
                Activate…
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** Scopes of other roles that lie below the scope of role `key` (case-insensitively, as Azure). */
function narrowerScopes(roles: RoleView[], key: string): { id: string; name: string }[] {
  const role = roles.find((r) => r.key === key);
  if (!role || role.source !== "azure-resource") return [];
  const prefix = `${role.scopeId.toLowerCase()}/`;
  const seen = new Map<string, string>();
  for (const r of roles) {
    if (r.scopeId.toLowerCase().startsWith(prefix)) seen.set(r.scopeId, r.scope);
  }
  return [...seen].map(([id, name]) => ({ id, name }));
}

function ActivateForm({
  role,
  busy,
  onClose,
  onSubmit,
  narrower,
}: {
  role: RoleView | null;
  busy: boolean;
  onClose: () => void;
  onSubmit: (
    form: {
      key: string;
      minutes: number | null;
      justification: string | null;
      ticketSystem: string | null;
      ticketNumber: string | null;
      start: string | null;
      narrowerScope: string | null;
    },
    favourite: boolean,
  ) => void;
  /** Scopes known below this role's scope (from the other roles), for a narrower activation. */
  narrower: { id: string; name: string }[];
}) {
  const [policy, setPolicy] = useState<PolicyView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [minutes, setMinutes] = useState(60);
  const [justification, setJustification] = useState("");
  const [ticketSystem, setTicketSystem] = useState("");
  const [ticketNumber, setTicketNumber] = useState("");
  const [start, setStart] = useState("");
  const [scope, setScope] = useState("");
  const [favourite, setFavourite] = useState(false);
  const first = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    if (!role) return;
    api.policy(role.key).then(
      (p) => {
        setPolicy(p);
        setMinutes(p.defaultMinutes);
        setTimeout(() => first.current?.focus(), 0);
      },
      (e) => setError(messageOf(e)),
    );
    const keys = (event: KeyboardEvent) => {
      if (event.key === "Escape") onClose();
    };
    window.addEventListener("keydown", keys);
    return () => window.removeEventListener("keydown", keys);
  }, [role?.key]);
  if (!role) {
    return (
      <section class="form">
        <p class="notice error">That role is no longer among your eligible roles.</p>
        <button onClick={onClose}>Back</button>
      </section>
    );
  }
  const max = policy?.maxMinutes ?? null;
  const missing =
    (policy?.justificationRequired && !justification.trim()) ||
    (policy?.ticketRequired && (!ticketNumber.trim() || !ticketSystem.trim()));
  return (
    <form
      class="form"
      id="activate-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (missing || busy) return;
        onSubmit({
          key: role.key,
          minutes: Math.max(1, max ? Math.min(minutes, max) : minutes),
          justification: justification.trim() || null,
          ticketSystem: ticketSystem.trim() || null,
          ticketNumber: ticketNumber.trim() || null,
          start: start ? new Date(start).toISOString() : null,
          narrowerScope: scope.trim() || null,
        }, favourite);
      }}
    >
      <h2>
        Activate <span id="form-role">{role.role}</span>
      </h2>
      <p class="sub">
        {role.scope} · {role.scopeKind} · {role.sourceLabel}
      </p>
      {error ? <p class="notice error">{error}</p> : null}
      {!policy && !error ? <p class="empty">Reading the role's policy…</p> : null}
      {policy?.unknown ? (
        <p class="notice info">The role's policy could not be read; Azure will check the request.</p>
      ) : null}
      {policy?.approvalRequired ? (
        <p class="notice info" id="approval-notice">
          An approver must agree before this role becomes active.
        </p>
      ) : null}
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
      {policy && policy.presets.length + policy.recentReasons.length > 0 ? (
        <div class="presets" aria-label="Presets and recent reasons">
          {[...new Set([...policy.presets, ...policy.recentReasons])].map((reason) => (
            <button type="button" class="chip" onClick={() => setJustification(reason)}>
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
              <option value={s.id}>{s.name}</option>
            ))}
          </datalist>
        </label>
      ) : null}
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
      <div class="buttons">
        <button type="submit" id="submit" class="primary" disabled={busy || !policy || !!missing}>
          {busy ? "Activating…" : "Activate"}
        </button>
        <button type="button" onClick={onClose}>
          Cancel (Esc)
        </button>
      </div>
    </form>
  );
}

function Active({
  grants,
  now,
  busy,
  onDeactivate,
  onExtend,
}: {
  grants: GrantView[];
  now: number;
  busy: boolean;
  onDeactivate: (g: GrantView) => void;
  onExtend: (g: GrantView) => void;
}) {
  if (grants.length === 0) return <p class="empty">Nothing is active.</p>;
  return (
    <ul class="list" id="active">
      {grants.map((g) => {
        const left = g.end ? Date.parse(g.end) - now : null;
        return (
          <li class="row grant" data-key={g.key}>
            <div class="main">
              <span class="name">{g.role}</span>
              <span class="sub">{g.scope}</span>
            </div>
            <span class={`countdown ${left !== null && left < 15 * 60000 ? "soon" : ""}`}>
              {left === null ? "permanent" : `${countdown(left)} left`}
            </span>
            {g.activated ? (
              <>
                {(() => {
                  const why = extendBlocked(g, now);
                  return (
                    <>
                      <button
                        class="extend"
                        disabled={busy || why !== null}
                        title={why ?? "Deactivate and activate again for the new duration, with the same justification and ticket"}
                        onClick={() => onExtend(g)}
                      >
                        Extend
                      </button>
                      {why !== null && <span class="why">{why}</span>}
                    </>
                  );
                })()}
                <button class="deactivate" disabled={busy} onClick={() => onDeactivate(g)}>
                  Deactivate
                </button>
              </>
            ) : (
              <span class="badge">standing</span>
            )}
          </li>
        );
      })}
    </ul>
  );
}

/** Why Extend is not possible now (the policy, or the first five minutes of an activation), if it is not. */
function extendBlocked(g: GrantView, now: number): string | null {
  if (g.extendBlocked) return g.extendBlocked;
  if (g.extendFrom) {
    const wait = Date.parse(g.extendFrom) - now;
    if (wait > 0) {
      const minutes = Math.max(1, Math.ceil(wait / 60000));
      return `Can be extended in ${minutes} min: Azure refuses to deactivate a role in the first five minutes after its activation, and extending deactivates it first`;
    }
  }
  return null;
}

function Requests({
  requests,
  busy,
  onCancel,
}: {
  requests: RequestView[];
  busy: boolean;
  onCancel: (r: RequestView) => void;
}) {
  if (requests.length === 0) return <p class="empty">No request is waiting.</p>;
  return (
    <ul class="list" id="requests">
      {requests.map((r) => (
        <li class="row">
          <div class="main">
            <span class="name">{r.role}</span>
            <span class="sub">
              {r.scope} · {r.status}
              {r.justification ? ` · “${r.justification}”` : ""}
            </span>
          </div>
          <button disabled={busy} onClick={() => onCancel(r)}>
            Cancel request
          </button>
        </li>
      ))}
    </ul>
  );
}

function Approvals({
  requests,
  busy,
  onDecide,
}: {
  requests: RequestView[];
  busy: boolean;
  onDecide: (r: RequestView, approve: boolean, reason: string) => void;
}) {
  const [reasons, setReasons] = useState<Record<string, string>>({});
  if (requests.length === 0) return <p class="empty">Nothing waits for your decision.</p>;
  return (
    <ul class="list" id="approvals">
      {requests.map((r) => {
        const reason = reasons[r.id] ?? "";
        return (
          <li class="row approval" data-id={r.id}>
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
            <button class="approve primary" disabled={busy || !reason.trim()} onClick={() => onDecide(r, true, reason)}>
              Approve
            </button>
            <button class="deny" disabled={busy || !reason.trim()} onClick={() => onDecide(r, false, reason)}>
              Deny
            </button>
          </li>
        );
      })}
    </ul>
  );
}

function History() {
  const [entries, setEntries] = useState<HistoryView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.history(200).then(setEntries, (e) => setError(messageOf(e)));
  }, []);
  if (error) return <p class="notice error">{error}</p>;
  if (!entries) return <p class="empty">Loading…</p>;
  if (entries.length === 0) return <p class="empty">Nothing yet.</p>;
  return (
    <table id="history">
      <thead>
        <tr>
          <th>When</th>
          <th>What</th>
          <th>Role</th>
          <th>Scope</th>
          <th>Outcome</th>
          <th>Justification</th>
        </tr>
      </thead>
      <tbody>
        {entries.map((e) => (
          <tr>
            <td>{new Date(e.at).toLocaleString()}</td>
            <td>{e.kind}</td>
            <td>{e.role}</td>
            <td>{e.scope}</td>
            <td>{e.status}</td>
            <td>{e.justification ?? ""}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const root = document.getElementById("app");
// One bundle for both windows: the main window, and the decision pop-up on a request.
if (root) render(isDecisionRoute(location.hash) ? <DecisionPopup /> : <App />, root);
