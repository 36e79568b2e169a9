// Time in the window: the session's clock (the simulator's in demo mode), carried forward by the
// local one between snapshots, and countdowns in words.
import { useEffect, useRef, useState } from "preact/hooks";
import type { SnapshotView } from "./bindings";

/** "1 h 05 min", "4 min 09 s", "ended". */
export function countdown(ms: number): string {
  if (ms <= 0) return "ended";
  const total = Math.floor(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h} h ${String(m).padStart(2, "0")} min`;
  return `${m} min ${String(s).padStart(2, "0")} s`;
}

export function useNow(snapshot: SnapshotView | null): number {
  // The session's clock (the simulator's in demo mode), carried forward by the local one between
  // snapshots.
  const [tick, setTick] = useState(0);
  const base = useRef({ server: Date.now(), local: Date.now() });
  useEffect(() => {
    if (snapshot) base.current = { server: Date.parse(snapshot.now), local: Date.now() };
  }, [snapshot]);
  useEffect(() => {
    const id = setInterval(() => setTick((t) => t + 1), 1000);
    return () => clearInterval(id);
  }, []);
  void tick;
  return base.current.server + (Date.now() - base.current.local);
}

