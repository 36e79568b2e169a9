// History: the signed-in user's recorded requests and their outcomes (the database the CLI shares),
// read once when the tab opens.
import { useEffect } from "preact/hooks";
import { api } from "../api";
import type { HistoryView } from "../bindings";
import { localTime } from "../format";
import { useAction } from "../hooks/useAction";

/** How many entries the tab shows. */
const LIMIT = 200;

export function History() {
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
