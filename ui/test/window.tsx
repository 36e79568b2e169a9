// Opens the main window (the real shell, `App`) on a snapshot, as the app would show it.
import { render, waitFor } from "@testing-library/preact";
import userEvent from "@testing-library/user-event";
import type { SnapshotView } from "../src/bindings";
import { App } from "../src/main";
import { snapshot } from "./fixtures";
import { answer } from "./tauri";

/** Renders the window at `route` (a location hash such as `#/approvals`), answering `snapshot` with
 * `snap`; resolves once the snapshot is on screen. */
export async function openWindow(snap: SnapshotView = snapshot(), route = "#") {
  history.replaceState(null, "", route);
  answer("snapshot", () => snap);
  const user = userEvent.setup();
  const view = render(<App />);
  await waitFor(() => {
    if (!document.querySelector("main")?.textContent || document.querySelector("main p.empty")?.textContent === "Loading…")
      throw new Error("the snapshot is not shown yet");
  });
  return { user, ...view };
}

/** The element `css` matches (failing the test when none does). */
export function the<E extends Element = HTMLElement>(css: string, within: ParentNode = document): E {
  const found = within.querySelector<E>(css);
  if (!found) throw new Error(`nothing matches ${css}`);
  return found;
}

/** The texts of every element `css` matches. */
export function texts(css: string, within: ParentNode = document): string[] {
  return [...within.querySelectorAll(css)].map((e) => e.textContent ?? "");
}
