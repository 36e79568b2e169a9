// Elevate's window: the shell that routes between the views and follows the app's state. Everything
// from Azure is rendered as text (JSX escapes it); nothing is ever set as HTML. Keyboard first: "/"
// searches, Enter on a role opens its form, Escape closes it, Alt+1…6 switch tabs. One bundle serves
// both windows: this main window, and the decision pop-up on a request (`#/decide/…`).
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import "./style.css";
import { api, onNavigate } from "./api";
import { useNow } from "./clock";
import { useSnapshot } from "./hooks/useSnapshot";
import { useWindowAction } from "./hooks/useWindowAction";
import { StatusLine } from "./notice";
import { Active } from "./views/active";
import { Approvals } from "./views/approvals";
import { DecisionPopup, isDecisionRoute } from "./views/decide";
import { History } from "./views/history";
import { Requests } from "./views/requests";
import { type Prefill, RequestForm, narrowerScopes, prefillOf } from "./views/request-form";
import { Roles } from "./views/roles";
import { Settings } from "./views/settings";

type Tab = "roles" | "active" | "requests" | "approvals" | "history" | "settings";
const TABS: { id: Tab; label: string }[] = [
  { id: "roles", label: "Roles" },
  { id: "active", label: "Active" },
  { id: "requests", label: "Requests" },
  { id: "approvals", label: "Approvals" },
  { id: "history", label: "History" },
  { id: "settings", label: "Settings" },
];

/** The tab a route (`approvals`, `activate/<key>`, as a location hash or a `navigate` event) shows,
 * the role whose form it opens, and the answers to fill in (`activate/<key>?minutes=…&justification=…
 * &ticketSystem=…&ticketNumber=…`, form-encoded: a denied request's Request again). */
export function routeTab(route: string): { tab: Tab; activate?: string; prefill?: Prefill } {
  const clean = decodeURIComponent(route.replace(/^#?\/?/, ""));
  if (clean.startsWith("activate/")) {
    const rest = clean.slice("activate/".length);
    const mark = rest.indexOf("?");
    if (mark < 0) return { tab: "roles", activate: rest };
    return { tab: "roles", activate: rest.slice(0, mark), prefill: prefillOf(rest.slice(mark + 1)) };
  }
  const tab = TABS.find((t) => t.id === clean)?.id;
  return { tab: tab ?? "roles" };
}

export function App() {
  const initial = routeTab(location.hash);
  const [tab, setTab] = useState<Tab>(initial.tab);
  const [activating, setActivating] = useState<string | null>(initial.activate ?? null);
  const [prefill, setPrefill] = useState<Prefill | undefined>(initial.prefill);
  const { busy, notice, act, say } = useWindowAction();
  const [snapshot, setSnapshot] = useSnapshot((text) => say({ kind: "error", text }));
  const now = useNow(snapshot);

  useEffect(() => {
    const stop = onNavigate((route) => {
      const next = routeTab(route);
      setTab(next.tab);
      if (next.activate) {
        setActivating(next.activate);
        setPrefill(next.prefill);
      }
    });
    const keys = (event: KeyboardEvent) => {
      if (event.altKey && /^[1-6]$/.test(event.key)) {
        setTab(TABS[Number(event.key) - 1].id);
        event.preventDefault();
      }
    };
    window.addEventListener("keydown", keys);
    return () => {
      window.removeEventListener("keydown", keys);
      void stop.then((unlisten) => unlisten());
    };
  }, []);

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
          onClick={() => void act("Refreshing", () => api.refresh().then(setSnapshot))}
        >
          {snapshot?.loading ? "Loading…" : "Refresh"}
        </button>
      </header>
      <nav role="tablist" aria-label="Sections">
        {TABS.map((t, i) => (
          <button
            role="tab"
            id={`tab-${t.id}`}
            key={t.id}
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
      <StatusLine id="notice" notice={notice} />
      <main>
        {!snapshot ? (
          <p class="empty">Loading…</p>
        ) : tab === "roles" ? (
          activating ? (
            <RequestForm
              role={snapshot.roles.find((r) => r.key === activating) ?? null}
              narrower={narrowerScopes(snapshot.roles, activating)}
              prefill={prefill}
              busy={busy}
              act={act}
              say={say}
              onClose={() => {
                setActivating(null);
                setPrefill(undefined);
              }}
              onActivated={() => {
                setActivating(null);
                setPrefill(undefined);
                setTab("active");
              }}
            />
          ) : (
            <Roles roles={snapshot.roles} now={now} busy={busy} act={act} onOpen={(key) => {
                setPrefill(undefined);
                setActivating(key);
              }}
            />
          )
        ) : tab === "active" ? (
          <Active grants={snapshot.active} now={now} busy={busy} act={act} />
        ) : tab === "requests" ? (
          <Requests requests={snapshot.pending} busy={busy} act={act} />
        ) : tab === "approvals" ? (
          <Approvals requests={snapshot.approvals} busy={busy} act={act} />
        ) : tab === "history" ? (
          <History />
        ) : (
          <Settings snapshot={snapshot} />
        )}
      </main>
    </div>
  );
}

const root = document.getElementById("app");
if (root) render(isDecisionRoute(location.hash) ? <DecisionPopup /> : <App />, root);
