// The app's live state in a window: read once, then followed as the app publishes it.
import { useEffect, useState } from "preact/hooks";
import { api, messageOf, onSnapshot } from "../api";
import type { SnapshotView } from "../bindings";

/** The latest snapshot (none until the first read answers) and a setter for a fresher one (what
 * Refresh returns). `onError` hears why the first read failed. */
export function useSnapshot(onError: (message: string) => void): [SnapshotView | null, (s: SnapshotView) => void] {
  const [snapshot, setSnapshot] = useState<SnapshotView | null>(null);
  useEffect(() => {
    api.snapshot().then(setSnapshot, (e) => onError(messageOf(e)));
    const stop = onSnapshot(setSnapshot);
    return () => void stop.then((unlisten) => unlisten());
  }, []);
  return [snapshot, setSnapshot];
}
