// Active: the grants in force, each with its countdown, Extend and Deactivate (standing assignments
// have neither).
import { api } from "../api";
import type { GrantView } from "../bindings";
import { countdown } from "../clock";
import type { Act } from "../hooks/useWindowAction";

/** Why Extend is not possible now (the policy, or the first five minutes of an activation), if it is not. */
export function extendBlocked(g: GrantView, now: number): string | null {
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

export function Active({ grants, now, busy, act }: { grants: GrantView[]; now: number; busy: boolean; act: Act }) {
  if (grants.length === 0) return <p class="empty">Nothing is active.</p>;
  return (
    <ul class="list" id="active">
      {grants.map((g) => {
        const left = g.end ? Date.parse(g.end) - now : null;
        const why = g.activated ? extendBlocked(g, now) : null;
        return (
          <li class="row grant" data-key={g.key} key={g.key}>
            <div class="main">
              <span class="name">{g.role}</span>
              <span class="sub">{g.scope}</span>
            </div>
            <span class={`countdown ${left !== null && left < 15 * 60000 ? "soon" : ""}`}>
              {left === null ? "permanent" : `${countdown(left)} left`}
            </span>
            {g.activated ? (
              <>
                <button
                  class="extend"
                  disabled={busy || why !== null}
                  title={why ?? "Deactivate and activate again for the new duration, with the same justification and ticket"}
                  onClick={() => void act(`Extending ${g.role}`, () => api.extend(g.key))}
                >
                  Extend
                </button>
                {why !== null && <span class="why">{why}</span>}
                <button
                  class="deactivate"
                  disabled={busy}
                  onClick={() => void act(`Deactivating ${g.role}`, () => api.deactivate(g.key))}
                >
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
