// Roles: every eligible role, searchable ("/" focuses the search, Enter opens the first match's
// form), with a star to make one a favourite; an eligibility that ends within 14 days is marked,
// with "Request extension" where Azure takes the user's own request (an administrator decides).
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { api } from "../api";
import type { RoleView } from "../bindings";
import { placeOf } from "../format";
import type { Act } from "../hooks/useWindowAction";

/** How soon an eligibility ends, when within 14 days ("ends in 3 days", "ends today"). */
export function endsSoon(until: string | null, now: number): string | null {
  if (!until) return null;
  const left = Date.parse(until) - now;
  if (Number.isNaN(left) || left < 0 || left > 14 * 86400000) return null;
  const days = Math.floor(left / 86400000);
  return days === 0 ? "ends today" : days === 1 ? "ends tomorrow" : `ends in ${days} days`;
}

export function Roles({
  roles,
  now,
  busy,
  act,
  onOpen,
}: {
  roles: RoleView[];
  /** The clock the snapshot was read by (the demo's can run fast). */
  now: number;
  busy: boolean;
  act: Act;
  /** Opens the request form on a role. */
  onOpen: (key: string) => void;
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

  const toggleFavourite = (r: RoleView) =>
    act(r.favourite ? "Removing the favourite" : "Adding a favourite", () =>
      api.setFavourite({
        key: r.key,
        favourite: !r.favourite,
        justification: null,
        minutes: null,
        ticketSystem: null,
        ticketNumber: null,
      }),
    );

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
            if (e.key === "Enter" && shown.length > 0) onOpen(shown[0].key);
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
            <li class="row role" data-key={r.key} key={r.key}>
              <div class="main">
                <span class="name">
                  {r.favourite ? "★ " : ""}
                  {r.role}
                </span>
                <span class="sub">
                  {placeOf(r)}
                  {r.viaGroup ? " · through a group" : ""}
                </span>
              </div>
              {r.active ? <span class="badge on">active</span> : null}
              {endsSoon(r.eligibleUntil, now) !== null ? (
                <span class="badge ending" title={`Your eligibility ends ${r.eligibleUntil ? new Date(r.eligibleUntil).toLocaleString() : ""}`}>
                  {endsSoon(r.eligibleUntil, now)}
                </span>
              ) : null}
              {r.canRequestExtension ? (
                <button
                  class="request-extension"
                  disabled={busy}
                  title="Ask for 90 more days; an administrator decides, and you are told when they do"
                  onClick={() => void act(`Requesting an extension of ${r.role}`, () => api.requestExtension(r.key))}
                >
                  Request extension
                </button>
              ) : null}
              <button
                class="star"
                disabled={busy}
                aria-pressed={r.favourite}
                aria-label={r.favourite ? `Remove ${r.role} at ${r.scope} from favourites` : `Add ${r.role} at ${r.scope} to favourites`}
                title={r.favourite ? "Remove from favourites" : "Add to favourites (one click in the tray)"}
                onClick={() => void toggleFavourite(r)}
              >
                {r.favourite ? "★" : "☆"}
              </button>
              <button class="activate" onClick={() => onOpen(r.key)}>
                Activate…
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
