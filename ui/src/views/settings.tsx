// The settings page: account, tenant and cloud; start at login; the default duration, notification
// times and justification presets (kept in config.toml, shared with the CLI); favourites and sets.
import { useEffect, useRef, useState } from "preact/hooks";
import { api, messageOf, onAccessFinding } from "../api";
import type { AccessView, FindingView, SettingsView, SnapshotView } from "../bindings";
import { quotedAfter } from "../format";
import { useAction } from "../hooks/useAction";
import { type Notice, StatusLine, progressOf } from "../notice";
import { AccountsSection } from "./accounts";

const CLOUDS: { id: string; label: string }[] = [
  { id: "public", label: "Azure (public cloud)" },
  { id: "us-gov", label: "Azure US Government" },
  { id: "china", label: "Azure operated by 21Vianet (China)" },
  { id: "custom", label: "Custom endpoints (config.toml)" },
];

/** "15, 5" → [15, 5]; null when something is not a whole number of minutes. */
export function parseMinutes(text: string): number[] | null {
  const parts = text
    .split(/[,\s]+/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  const numbers = parts.map((p) => (/^\d+$/.test(p) ? Number(p) : NaN));
  return numbers.some((n) => !Number.isInteger(n) || n < 1 || n > 1440) ? null : numbers;
}

const LEVEL: Record<FindingView["level"], string> = { ok: "OK", warning: "Warning", problem: "Problem" };

/** "Check access": for each source, a token without signing in, its permissions and listing, one
 * line per finding as it is made; an admin-consent link opens in the system browser. */
export function CheckAccess() {
  const [running, setRunning] = useState(false);
  const [findings, setFindings] = useState<FindingView[]>([]);
  const [result, setResult] = useState<AccessView | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function check() {
    setRunning(true);
    setFindings([]);
    setResult(null);
    setError(null);
    const unlisten = await onAccessFinding((finding) => setFindings((list) => [...list, finding]));
    try {
      const view = await api.checkAccess();
      setResult(view);
      setFindings(view.findings);
    } catch (e) {
      setError(messageOf(e));
    } finally {
      unlisten();
      setRunning(false);
    }
  }

  async function open(url: string) {
    try {
      await api.openConsentLink(url);
    } catch (e) {
      setError(messageOf(e));
    }
  }

  return (
    <section id="check-access">
      <h3>Access</h3>
      <p class="sub">
        Checks, for each source, that Elevate gets a token without signing in, that the token carries the permissions
        Elevate needs, and that listing works. Nothing opens a browser.
      </p>
      <button id="check-access-button" disabled={running} onClick={() => void check()}>
        {running ? "Checking…" : "Check access"}
      </button>
      {running ? (
        <p id="check-access-progress" role="status">
          Checking access… {findings.length} {findings.length === 1 ? "finding" : "findings"} so far
        </p>
      ) : null}
      {findings.length > 0 ? (
        <ul id="access-findings">
          {findings.map((f, i) => (
            <li key={i} class={`finding ${f.level}`}>
              <strong>{LEVEL[f.level]}</strong> {f.message}
              {f.consentUrl ? (
                <>
                  {" "}
                  <a
                    class="consent-link"
                    href={f.consentUrl}
                    onClick={(e) => {
                      e.preventDefault();
                      void open(f.consentUrl ?? "");
                    }}
                  >
                    Open the admin-consent page
                  </a>
                </>
              ) : null}
            </li>
          ))}
        </ul>
      ) : null}
      {result ? (
        <p id="access-summary">
          {result.ok ? "Everything Elevate needs works." : "Some things do not work: see the problems above."}
        </p>
      ) : null}
      {error ? <p class="notice error">{error}</p> : null}
    </section>
  );
}

export function Settings({ snapshot }: { snapshot: SnapshotView }) {
  const [settings, setSettings] = useState<SettingsView | null>(null);
  const [notice, setNotice] = useState<Notice | null>(null);
  // Reads follow the app's state (the latest answer wins); changes run one at a time and read the
  // settings again afterwards.
  const read = useAction<SettingsView>({ latest: true });
  const action = useAction<SettingsView>();
  const busy = action.busy;
  const [cloud, setCloud] = useState("public");
  const [minutes, setMinutes] = useState(60);
  const [warnings, setWarnings] = useState("15, 5");
  const [presets, setPresets] = useState("");
  const [setName, setSetName] = useState("");
  const [setKeys, setSetKeys] = useState<string[]>([]);
  const [setReason, setSetReason] = useState("");

  // The form's fields are filled on the first read and after a save only, so that what the user is
  // typing is never replaced by a refresh.
  const filled = useRef(false);
  function show(view: SettingsView, fill: boolean) {
    setSettings(view);
    if (!fill) return;
    setCloud(view.cloud);
    setMinutes(view.defaultMinutes);
    setWarnings(view.warnBeforeMinutes.join(", "));
    setPresets(view.justificationPresets.join("\n"));
    filled.current = true;
  }

  // Read again when the app's state changes (favourites and sets live in the snapshot).
  useEffect(() => {
    void read.run("Reading the settings", () => api.settings()).then((outcome) => {
      if (outcome.status === "done") show(outcome.value, !filled.current);
      else if (outcome.status === "failed") setNotice({ kind: "error", text: outcome.message });
    });
  }, [snapshot.account, snapshot.roles.length, snapshot.loading]);

  /** Runs a change under `label`, says `done` when it worked, and shows the settings as they are now
   * (filling the form's fields again when `fill`). True when it worked. */
  async function run(label: string, change: () => Promise<unknown>, done: string, fill = false): Promise<boolean> {
    const outcome = await action.run(label, async () => {
      await change();
      return api.settings();
    });
    if (outcome.status === "done") {
      setNotice({ kind: "ok", text: done });
      show(outcome.value, fill);
    } else if (outcome.status === "failed") {
      setNotice({ kind: "error", text: outcome.message });
    }
    return outcome.status === "done";
  }

  if (!settings) return notice ? <p class="notice error">{notice.text}</p> : <p class="empty">Loading…</p>;
  const warnList = parseMinutes(warnings);
  // Settings the organisation locks: shown with their managed value, disabled, and who manages them.
  const managedBy = (key: string) => settings.managed.find((m) => m.key === key)?.source ?? null;
  const ManagedNote = ({ setting }: { setting: string }) => {
    const source = managedBy(setting);
    return source ? (
      <span class="sub managed" data-managed={setting}>
        Managed by your organisation ({source})
      </span>
    ) : null;
  };

  return (
    <div class="settings" id="settings">
      <StatusLine id="settings-notice" notice={busy ? progressOf(action.label) : notice} />
      {settings.managedProblem ? (
        <p class="notice error" id="managed-problem">
          {settings.managedProblem}
        </p>
      ) : null}

      <section>
        <h3>Account</h3>
        <p>
          <span id="settings-account">{settings.account ?? "Not signed in"}</span>
          {settings.tenant ? <span class="sub"> · tenant {settings.tenant}</span> : null}
          {settings.demo ? <span class="sub"> · demo tenant</span> : null}
        </p>
        {settings.canSignOut ? (
          <button disabled={busy} onClick={() => void run("Signing out", () => api.signOut(), "Signed out.")}>
            Sign out
          </button>
        ) : null}
      </section>

      <AccountsSection version={settings} />

      <CheckAccess />

      <section>
        <h3>Start</h3>
        <label class="check">
          <input
            id="start-at-login"
            type="checkbox"
            disabled={busy || settings.startAtLogin === null}
            checked={settings.startAtLogin === true}
            onChange={(e) => {
              const on = (e.target as HTMLInputElement).checked;
              void run(
                on ? "Adding Elevate to the login items" : "Removing Elevate from the login items",
                () => api.setStartAtLogin(on),
                on ? "Elevate starts when you log in." : "Elevate no longer starts when you log in.",
              );
            }}
          />
          Start Elevate when I log in (in the tray, no window)
        </label>
        {settings.startAtLogin === null ? <p class="sub">Login items cannot be read on this system.</p> : null}
      </section>

      <section>
        <h3>Updates</h3>
        <label class="check">
          <input
            id="update-checks"
            type="checkbox"
            disabled={busy || managedBy("updates.enabled") !== null}
            checked={settings.updateChecks}
            onChange={(e) => {
              const on = (e.target as HTMLInputElement).checked;
              void run(
                on ? "Turning update checks on" : "Turning update checks off",
                () => api.setUpdateChecks(on),
                on ? "Elevate checks for signed updates daily." : "Elevate no longer checks for updates.",
              );
            }}
          />
          Check daily for new versions (signed; shown in the tray menu)
        </label>
        <ManagedNote setting="updates.enabled" />
      </section>

      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!warnList || busy) return;
          void run(
            "Saving the settings",
            () =>
              api.saveSettings({
                cloud,
                defaultMinutes: Math.max(1, Math.round(minutes)),
                warnBeforeMinutes: warnList,
                justificationPresets: presets.split("\n").map((p) => p.trim()).filter((p) => p),
              }),
            "Saved. Elevate uses the new settings now.",
            true,
          );
        }}
      >
        <h3>Requests and notifications</h3>
        <div class="form">
          <label>
            Cloud
            <select id="cloud" value={cloud} disabled={managedBy("cloud") !== null} onChange={(e) => setCloud((e.target as HTMLSelectElement).value)}>
              {CLOUDS.map((c) => (
                <option value={c.id}>{c.label}</option>
              ))}
            </select>
            <ManagedNote setting="cloud" />
          </label>
          <label>
            Default duration (minutes; each role's maximum still applies)
            <input
              id="default-minutes"
              type="number"
              min={1}
              value={minutes}
              disabled={managedBy("activation.default_duration") !== null}
              onInput={(e) => setMinutes(Number((e.target as HTMLInputElement).value) || 0)}
            />
            <ManagedNote setting="activation.default_duration" />
          </label>
          <label>
            Warn me before a grant ends (minutes, comma-separated; empty: only when it ends)
            <input
              id="warn-before"
              value={warnings}
              disabled={managedBy("notifications.warn_before_minutes") !== null}
              aria-invalid={!warnList}
              onInput={(e) => setWarnings((e.target as HTMLInputElement).value)}
            />
            <ManagedNote setting="notifications.warn_before_minutes" />
          </label>
          {!warnList ? <p class="notice error">Use whole minutes from 1 to 1440, e.g. “15, 5”.</p> : null}
          <label>
            Justification presets (one per line; offered in the request form)
            <textarea
              id="presets"
              rows={3}
              value={presets}
              disabled={managedBy("activation.justification_presets") !== null}
              onInput={(e) => setPresets((e.target as HTMLTextAreaElement).value)}
            />
            <ManagedNote setting="activation.justification_presets" />
          </label>
          <p class="sub">Kept in {settings.configFile}, which the command line reads too.</p>
          <div class="buttons">
            <button type="submit" id="save-settings" class="primary" disabled={busy || !warnList || minutes < 1}>
              Save
            </button>
          </div>
        </div>
      </form>

      <section>
        <h3>Favourites</h3>
        <ManagedNote setting="favourites" />
        {settings.favourites.length === 0 ? (
          <p class="empty">None yet: star a role, or tick “Save as a favourite” in its form.</p>
        ) : (
          <ul class="list" id="favourites">
            {settings.favourites.map((f) => (
              <li class="row">
                <label class="check main">
                  <input
                    type="checkbox"
                    aria-label={`Put ${f.name} in the new set`}
                    checked={setKeys.includes(f.key)}
                    onChange={(e) =>
                      setSetKeys(
                        (e.target as HTMLInputElement).checked
                          ? [...setKeys, f.key]
                          : setKeys.filter((k) => k !== f.key),
                      )
                    }
                  />
                  <span class="name">{f.name}</span>
                  <span class="sub">
                    {f.minutes ? `${f.minutes} min` : ""}
                    {quotedAfter(f.justification)}
                  </span>
                </label>
                <button
                  disabled={busy || managedBy("favourites") !== null}
                  onClick={() =>
                    run(
                      "Removing the favourite",
                      () =>
                        api.setFavourite({
                          key: f.key,
                          favourite: false,
                          justification: null,
                          minutes: null,
                          ticketSystem: null,
                          ticketNumber: null,
                        }),
                      "Removed.",
                    )
                  }
                >
                  Remove
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>

      <section>
        <h3>Sets (several roles in one click)</h3>
        <ManagedNote setting="sets" />
        {settings.sets.length === 0 ? <p class="empty">No sets yet.</p> : null}
        <ul class="list" id="sets">
          {settings.sets.map((s) => (
            <li class="row">
              <div class="main">
                <span class="name">{s.name}</span>
                <span class="sub">
                  {s.roles.join(", ")}
                  {quotedAfter(s.justification)}
                </span>
              </div>
              <button disabled={busy || managedBy("sets") !== null} onClick={() => run(`Removing ${s.name}`, () => api.removeSet(s.name), "Removed.")}>
                Remove
              </button>
            </li>
          ))}
        </ul>
        {settings.favourites.length > 0 ? (
          <form
            class="form"
            onSubmit={(e) => {
              e.preventDefault();
              if (busy || !setName.trim() || setKeys.length === 0) return;
              void run(
                "Saving the set",
                () =>
                  api.saveSet({
                    name: setName.trim(),
                    keys: setKeys,
                    justification: setReason.trim() || null,
                    minutes: null,
                  }),
                `Saved: “${setName.trim()}” is in the tray menu.`,
              ).then((saved) => {
                if (!saved) return;
                setSetName("");
                setSetKeys([]);
                setSetReason("");
              });
            }}
          >
            <div class="pair">
              <label>
                New set from the ticked favourites
                <input id="set-name" placeholder="Name" value={setName} onInput={(e) => setSetName((e.target as HTMLInputElement).value)} />
              </label>
              <label>
                Justification
                <input id="set-reason" value={setReason} onInput={(e) => setSetReason((e.target as HTMLInputElement).value)} />
              </label>
            </div>
            <div class="buttons">
              <button
                type="submit"
                id="save-set"
                disabled={busy || !setName.trim() || setKeys.length === 0 || managedBy("sets") !== null}
              >
                Save the set ({setKeys.length} {setKeys.length === 1 ? "role" : "roles"})
              </button>
            </div>
          </form>
        ) : null}
      </section>

      <section>
        <h3>About</h3>
        <p id="settings-version">Elevate {settings.version}</p>
      </section>
    </div>
  );
}
