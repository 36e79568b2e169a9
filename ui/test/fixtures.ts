// What the app sends the window, shaped like the demo tenant ("Contoso", signed in as Ada Lovelace).
// Typed against the generated bindings.ts, so a change on the Rust side that the views do not follow
// fails `npm run check` here. Each builder takes overrides for the field a test is about.
import type {
  ActionView,
  GrantView,
  HistoryView,
  PolicyView,
  RequestView,
  RoleView,
  SettingsView,
  SnapshotView,
} from "../src/bindings";

/** What a hostile tenant could put in a name or a reason: it must show as these characters. */
export const MARKUP = "Ops <img src=x onerror=alert(1)> Auditor";
export const SCRIPT = "<script>window.pwned = true</script>Looks fine";

/** The demo tenant's clock in the fixtures. */
export const NOW = "2025-06-02T09:00:00Z";

const PROD = "/subscriptions/2f8c8a6e-0b6a-4d7e-9a53-6f2a1c0d0001";
const DEV = "/subscriptions/2f8c8a6e-0b6a-4d7e-9a53-6f2a1c0d0002";
const CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c";
const OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";

export function role(overrides: Partial<RoleView> = {}): RoleView {
  return {
    key: `azure-resource:${DEV}:${CONTRIBUTOR}`,
    source: "azure-resource",
    sourceLabel: "Azure resource role",
    role: "Contributor",
    scope: "Contoso Development",
    scopeId: DEV,
    scopeKind: "subscription",
    viaGroup: false,
    eligibleUntil: null,
    canRequestExtension: false,
    active: false,
    favourite: false,
    ...overrides,
  };
}

/** The demo's roles: two Azure resource roles, one below another's scope, an Entra role, a group,
 * and one whose name carries markup. */
export function roles(): RoleView[] {
  return [
    role(),
    role({
      key: `azure-resource:${PROD}:${OWNER}`,
      role: "Owner",
      scope: "Contoso Production",
      scopeId: PROD,
    }),
    role({
      key: `azure-resource:${PROD}/resourcegroups/rg-web-prod:${CONTRIBUTOR}`,
      scope: "rg-web-prod",
      scopeId: `${PROD}/resourceGroups/rg-web-prod`,
      scopeKind: "resource group",
      favourite: true,
    }),
    role({
      key: "entra-role:/:62e90394-69f5-4237-9190-012177145e10",
      source: "entra-role",
      sourceLabel: "Entra role",
      role: "Global Administrator",
      scope: "Directory",
      scopeId: "/",
      scopeKind: "directory",
    }),
    role({
      key: "group:/groups/0c0f5a1e-7c52-4f4e-8f0c-00000000a001:member",
      source: "group",
      sourceLabel: "Group",
      role: "Member",
      scope: "Release Managers",
      scopeId: "/groups/0c0f5a1e-7c52-4f4e-8f0c-00000000a001",
      scopeKind: "group",
      viaGroup: true,
    }),
    role({
      key: "entra-role:/:markup",
      source: "entra-role",
      sourceLabel: "Entra role",
      role: MARKUP,
      scope: "Directory",
      scopeId: "/",
      scopeKind: "directory",
    }),
  ];
}

export function grant(overrides: Partial<GrantView> = {}): GrantView {
  return {
    key: `azure-resource:${DEV}:${CONTRIBUTOR}`,
    source: "azure-resource",
    role: "Contributor",
    scope: "Contoso Development",
    activated: true,
    start: "2025-06-02T08:30:00Z",
    end: "2025-06-02T10:00:00Z",
    extendBlocked: null,
    extendFrom: null,
    ...overrides,
  };
}

export function request(overrides: Partial<RequestView> = {}): RequestView {
  return {
    id: `${PROD}/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/5b1c0000-0000-4000-8000-000000000001`,
    key: `azure-resource:${PROD}:${OWNER}`,
    source: "azure-resource",
    role: "Owner",
    scope: "Contoso Production",
    status: "PendingApproval",
    requester: "Grace Hopper",
    requesterAccount: "grace@contoso.example",
    requesterGuest: false,
    scopePath: ["Contoso", "Contoso Production"],
    kind: "activate",
    justification: "Rotate the storage keys",
    ticket: "ServiceNow INC0042",
    durationMinutes: 60,
    start: null,
    created: "2025-06-02T08:55:00Z",
    decideBy: "2025-06-03T08:55:00Z",
    ...overrides,
  };
}

export function snapshot(overrides: Partial<SnapshotView> = {}): SnapshotView {
  return {
    account: "ada@contoso.example",
    demo: true,
    now: NOW,
    roles: roles(),
    active: [grant({ key: "standing", role: "Reader", scope: "Contoso", activated: false, end: null, start: null })],
    pending: [],
    approvals: [request()],
    problems: [],
    loading: false,
    error: null,
    ...overrides,
  };
}

export function policy(overrides: Partial<PolicyView> = {}): PolicyView {
  return {
    maxMinutes: 480,
    defaultMinutes: 60,
    justificationRequired: true,
    ticketRequired: false,
    mfaRequired: false,
    approvalRequired: false,
    authenticationContext: null,
    recentReasons: [],
    presets: [],
    unknown: false,
    approvers: [],
    ...overrides,
  };
}

export function done(message: string): ActionView {
  return { outcome: "done", message, notes: [] };
}

export function history(overrides: Partial<HistoryView> = {}): HistoryView {
  return {
    at: "2025-06-01T16:20:00Z",
    kind: "activate",
    role: "Contributor",
    scope: "Contoso Development",
    status: "done",
    justification: "Deploying the release",
    ...overrides,
  };
}

export function settings(overrides: Partial<SettingsView> = {}): SettingsView {
  return {
    account: "ada@contoso.example",
    tenant: "contoso.example",
    demo: true,
    canSignOut: false,
    cloud: "public",
    defaultMinutes: 60,
    warnBeforeMinutes: [15, 5],
    justificationPresets: ["Incident response"],
    startAtLogin: false,
    updateChecks: true,
    configFile: "/home/ada/.config/elevate/config.toml",
    version: "0.1.0",
    favourites: [
      { key: `azure-resource:${PROD}:${OWNER}`, name: "Owner @ Contoso Production", justification: null, minutes: null },
      { key: `azure-resource:${DEV}:${CONTRIBUTOR}`, name: "Contributor @ Contoso Development", justification: "Deploy", minutes: 30 },
    ],
    sets: [],
    managed: [],
    managedProblem: null,
    ...overrides,
  };
}
