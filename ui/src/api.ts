// Typed calls to the tray app's commands (src-tauri/src/commands.rs). The data types are generated
// from Rust into bindings.ts.
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type {
  ActionView,
  ActivationForm,
  FavouriteForm,
  HistoryView,
  PolicyView,
  RequestView,
  SetForm,
  SettingsForm,
  SettingsView,
  SnapshotView,
  UiError,
} from "./bindings";

/** The message of an error from a command (or anything thrown). */
export function messageOf(error: unknown): string {
  if (error && typeof error === "object" && "message" in error) {
    return String((error as UiError).message);
  }
  return String(error);
}

/** The code of an error from a command. */
export function codeOf(error: unknown): string | undefined {
  if (error && typeof error === "object" && "code" in error) return String((error as UiError).code);
  return undefined;
}

export const api = {
  snapshot: () => invoke<SnapshotView>("snapshot"),
  refresh: () => invoke<SnapshotView>("refresh"),
  policy: (key: string) => invoke<PolicyView>("policy", { key }),
  activate: (form: ActivationForm) => invoke<ActionView>("activate", { form }),
  deactivate: (key: string) => invoke<ActionView>("deactivate", { key }),
  extend: (key: string) => invoke<ActionView>("extend", { key }),
  cancel: (id: string) => invoke<null>("cancel", { id }),
  decide: (id: string, approve: boolean, reason: string) =>
    invoke<RequestView>("decide", { id, approve, reason }),
  closeWindow: () => invoke<null>("close_window"),
  history: (limit?: number) => invoke<HistoryView[]>("history", { limit: limit ?? null }),
  setFavourite: (form: FavouriteForm) => invoke<null>("set_favourite", { form }),
  settings: () => invoke<SettingsView>("settings"),
  saveSettings: (form: SettingsForm) => invoke<SettingsView>("save_settings", { form }),
  setStartAtLogin: (on: boolean) => invoke<boolean>("set_start_at_login", { on }),
  setUpdateChecks: (on: boolean) => invoke<boolean>("set_update_checks", { on }),
  saveSet: (form: SetForm) => invoke<null>("save_set", { form }),
  removeSet: (name: string) => invoke<null>("remove_set", { name }),
  signOut: () => invoke<null>("sign_out"),
};

/** Follows the app's state as it changes. */
export function onSnapshot(handler: (snapshot: SnapshotView) => void): Promise<UnlistenFn> {
  return listen<SnapshotView>("snapshot", (event) => handler(event.payload));
}

/** Follows requests from the tray to show a page (`approvals`, `activate/<key>`). */
export function onNavigate(handler: (route: string) => void): Promise<UnlistenFn> {
  return listen<string>("navigate", (event) => handler(event.payload));
}
