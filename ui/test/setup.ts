// Set-up for the component tests. No Tauri runtime can run inside Vitest: there is no web view, no
// `window.__TAURI_INTERNALS__` bridge and no Rust side to answer. So exactly two functions are
// replaced, `invoke` from `@tauri-apps/api/core` and `listen` from `@tauri-apps/api/event`, by the
// stand-in in tauri.ts; everything above them (`src/api.ts`, the hooks, the views) runs as in the
// app. What the real app answers is covered end to end over WebDriver (tests/tray_*.rs).
import { cleanup } from "@testing-library/preact";
import { afterEach, vi } from "vitest";
import { reset } from "./tauri";

vi.mock("@tauri-apps/api/core", async () => {
  const tauri = await import("./tauri");
  return { invoke: tauri.invoke };
});
vi.mock("@tauri-apps/api/event", async () => {
  const tauri = await import("./tauri");
  return { listen: tauri.listen };
});

afterEach(() => {
  cleanup();
  reset();
  history.replaceState(null, "", "#");
});
