// The window's calls to the tray app and the events it hears, over what is generated from Rust into
// bindings.ts (src-tauri/src/ipc.rs): no command or event name is written here. A command's error is
// thrown as the `UiError` it answered with.
import type { UnlistenFn } from "@tauri-apps/api/event";
import { commands, events } from "./bindings";
import type {
  AccessView,
  AccountView,
  ActionView,
  ContactChannel,
  ActivationForm,
  ActivityListView,
  CheckView,
  FavouriteForm,
  FindingView,
  HistoryView,
  PolicyView,
  RequestView,
  SetForm,
  SettingsForm,
  SettingsView,
  SnapshotView,
  UiError,
  WaitingView,
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
  snapshot: (): Promise<SnapshotView> => commands.snapshot(),
  refresh: (): Promise<SnapshotView> => commands.refresh(),
  policy: (key: string): Promise<PolicyView> => commands.policy(key),
  activate: (form: ActivationForm): Promise<ActionView> => commands.activate(form),
  deactivate: (key: string): Promise<ActionView> => commands.deactivate(key),
  extend: (key: string): Promise<ActionView> => commands.extend(key),
  requestExtension: (key: string): Promise<ActionView> => commands.requestExtension(key),
  cancel: (id: string): Promise<null> => commands.cancel(id),
  decide: (id: string, approve: boolean, reason: string): Promise<RequestView> =>
    commands.decide(id, approve, reason),
  closeWindow: (): Promise<null> => commands.closeWindow(),
  history: (limit?: number): Promise<HistoryView[]> => commands.history(limit ?? null),
  setFavourite: (form: FavouriteForm): Promise<null> => commands.setFavourite(form),
  settings: (): Promise<SettingsView> => commands.settings(),
  saveSettings: (form: SettingsForm): Promise<SettingsView> => commands.saveSettings(form),
  setStartAtLogin: (on: boolean): Promise<boolean> => commands.setStartAtLogin(on),
  setUpdateChecks: (on: boolean): Promise<boolean> => commands.setUpdateChecks(on),
  saveSet: (form: SetForm): Promise<null> => commands.saveSet(form),
  removeSet: (name: string): Promise<null> => commands.removeSet(name),
  signOut: (): Promise<null> => commands.signOut(),
  checkAccess: (): Promise<AccessView> => commands.checkAccess(),
  openConsentLink: (url: string): Promise<null> => commands.openConsentLink(url),
  accounts: (): Promise<AccountView[]> => commands.accounts(),
  signOutAccount: (key: string): Promise<AccountView[]> => commands.signOutAccount(key),
  checkActivation: (form: ActivationForm): Promise<CheckView> => commands.checkActivation(form),
  activity: (limit?: number): Promise<ActivityListView> => commands.activity(limit ?? null),
  requestApprovers: (id: string): Promise<WaitingView> => commands.requestApprovers(id),
  contactApprovers: (id: string, approver: string | null, channel: ContactChannel): Promise<null> =>
    commands.contactApprovers(id, approver, channel),
};

/** Hears each finding of a running "Check access". */
export function onAccessFinding(handler: (finding: FindingView) => void): Promise<UnlistenFn> {
  return events.accessFinding.listen((event) => handler(event.payload));
}

/** Follows the app's state as it changes. */
export function onSnapshot(handler: (snapshot: SnapshotView) => void): Promise<UnlistenFn> {
  return events.snapshot.listen((event) => handler(event.payload));
}

/** Follows requests from the tray to show a page (`approvals`, `activate/<key>`). */
export function onNavigate(handler: (route: string) => void): Promise<UnlistenFn> {
  return events.navigate.listen((event) => handler(event.payload));
}
