// History: the signed-in user's recorded requests and their outcomes (the database the CLI shares),
// read once when the tab opens. "Include requests from elsewhere" merges in the requests Azure holds
// for the user from every tool and machine (the portal, the Azure CLI, another computer), each marked
// as made on this machine or elsewhere, with who decided where Azure says.
import { useEffect, useState } from "preact/hooks";
import { api } from "../api";
import type { ActivityListView, HistoryView } from "../bindings";
import { localTime } from "../format";
import { useAction } from "../hooks/useAction";

/** How many entries the tab shows. */
const LIMIT = 200;

export function History() {
  const [everywhere, setEverywhere] = useState(false);
  return (
    <>
      <label class="check" id="history-everywhere">
        <input
          id="include-elsewhere"
          type="checkbox"
          checked={everywhere}
          onChange={(e) => setEverywhere((e.target as HTMLInputElement).checked)}
        />
        Include requests from elsewhere (the portal, other tools and machines, as Azure lists them)
      </label>
      {everywhere ? <Everywhere /> : <Local />}
    </>
  );
}

function Local() {
  const read = useAction<HistoryView[]>({ latest: true });
  useEffect(() => {
    void read.run("Reading the history", () => api.history(LIMIT));
  }, []);
  if (read.error) return <p class="notice error">{read.error}</p>;
  const entries = read.result;
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
            <td>{localTime(e.at)}</td>
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

function Everywhere() {
  const read = useAction<ActivityListView>({ latest: true });
  useEffect(() => {
    void read.run("Reading your requests from Azure", () => api.activity(LIMIT));
  }, []);
  if (read.error) return <p class="notice error">{read.error}</p>;
  const activity = read.result;
  if (!activity) return <p class="empty">Reading your requests from Azure…</p>;
  return (
    <>
      {activity.problems.map((problem) => (
        <p class="notice error" key={problem}>
          Not listed: {problem}
        </p>
      ))}
      {activity.rows.length === 0 ? (
        <p class="empty">Nothing yet.</p>
      ) : (
        <table id="activity">
          <thead>
            <tr>
              <th>When</th>
              <th>Where</th>
              <th>What</th>
              <th>Role</th>
              <th>Scope</th>
              <th>Outcome</th>
              <th>Justification</th>
              <th>Decided by</th>
            </tr>
          </thead>
          <tbody>
            {activity.rows.map((r) => (
              <tr class={r.origin}>
                <td>{localTime(r.at)}</td>
                <td class="origin">{r.origin === "this-machine" ? "this machine" : "elsewhere"}</td>
                <td>{r.kind}</td>
                <td>{r.role}</td>
                <td>{r.scope}</td>
                <td>{r.status}</td>
                <td>{r.justification ?? ""}</td>
                <td>{[r.decidedBy, r.decisionReason].filter((x) => x).join(": ")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
