// Generated from src-tauri/src/view.rs by `cargo test -p elevate-tray bindings` (set ELEVATE_WRITE_BINDINGS=1 to rewrite). Do not edit.

export type SnapshotView = { 
/**
 * The signed-in user (empty when signed out).
 */
account: string | null, 
/**
 * Whether this is the demo tenant.
 */
demo: boolean, 
/**
 * The session's time (the simulator's in demo mode), ISO 8601.
 */
now: string, 
/**
 * Eligible roles.
 */
roles: Array<RoleView>, 
/**
 * Active grants.
 */
active: Array<GrantView>, 
/**
 * The user's own pending requests.
 */
pending: Array<RequestView>, 
/**
 * Requests waiting for the user's decision.
 */
approvals: Array<RequestView>, 
/**
 * What could not be read.
 */
problems: Array<string>, 
/**
 * Whether a refresh is under way.
 */
loading: boolean, 
/**
 * The last error, in words.
 */
error: string | null, };

export type RoleView = { 
/**
 * Stable key (source, scope, role).
 */
key: string, 
/**
 * `azure-resource`, `entra-role` or `group`.
 */
source: string, 
/**
 * "Azure resource role", "Entra role", "Group".
 */
sourceLabel: string, 
/**
 * Role name.
 */
role: string, 
/**
 * Scope name.
 */
scope: string, 
/**
 * Scope id.
 */
scopeId: string, 
/**
 * "subscription", "resource group", "directory"…
 */
scopeKind: string, 
/**
 * Eligible through a group rather than directly.
 */
viaGroup: boolean, 
/**
 * When the eligibility ends (ISO 8601); none: permanent.
 */
eligibleUntil: string | null, 
/**
 * Whether it is active now.
 */
active: boolean, 
/**
 * Whether it is a favourite.
 */
favourite: boolean, };

export type GrantView = { 
/**
 * Stable key.
 */
key: string, 
/**
 * Source id.
 */
source: string, 
/**
 * Role name.
 */
role: string, 
/**
 * Scope name.
 */
scope: string, 
/**
 * Activated (just in time) rather than a standing assignment.
 */
activated: boolean, 
/**
 * Start (ISO 8601).
 */
start: string | null, 
/**
 * End (ISO 8601); none: permanent.
 */
end: string | null, 
/**
 * Why Extend is not offered whatever the time (a standing assignment, a policy that requires
 * approval); none: see `extend_from`.
 */
extendBlocked: string | null, 
/**
 * When Extend becomes possible (ISO 8601): Azure refuses to deactivate an activation in its
 * first five minutes, and Extend deactivates first.
 */
extendFrom: string | null, };

export type RequestView = { 
/**
 * Azure's request id.
 */
id: string, 
/**
 * Stable key of the role.
 */
key: string, 
/**
 * Source id.
 */
source: string, 
/**
 * Role name.
 */
role: string, 
/**
 * Scope name.
 */
scope: string, 
/**
 * Status in words.
 */
status: string, 
/**
 * Who asked (for approvals): their display name.
 */
requester: string | null, 
/**
 * Their user principal name (else e-mail address, else object id).
 */
requesterAccount: string | null, 
/**
 * They are a guest (Graph's userType, or a `#EXT#` account).
 */
requesterGuest: boolean, 
/**
 * The scope from the top (management group, subscription, resource group, resource).
 */
scopePath: Array<string>, 
/**
 * What the request asks: activate, extend, renew, deactivate, other.
 */
kind: string, 
/**
 * Why.
 */
justification: string | null, 
/**
 * Ticket as "system number".
 */
ticket: string | null, 
/**
 * Requested duration in minutes.
 */
durationMinutes: number | null, 
/**
 * Requested start (ISO 8601).
 */
start: string | null, 
/**
 * When it was made (ISO 8601).
 */
created: string | null, 
/**
 * For a request waiting for approval: when it usually times out (ISO 8601).
 */
decideBy: string | null, };

export type PolicyView = { 
/**
 * Longest activation in minutes; none: not limited.
 */
maxMinutes: number | null, 
/**
 * Default duration in minutes (clamped to the maximum).
 */
defaultMinutes: number, 
/**
 * A justification is required.
 */
justificationRequired: boolean, 
/**
 * Ticket details are required.
 */
ticketRequired: boolean, 
/**
 * Multi-factor authentication is required.
 */
mfaRequired: boolean, 
/**
 * An approver must agree.
 */
approvalRequired: boolean, 
/**
 * A Conditional Access authentication context is required (its id).
 */
authenticationContext: string | null, 
/**
 * Reasons used before for this role, newest first.
 */
recentReasons: Array<string>, 
/**
 * Justifications from the settings, offered before the recent ones.
 */
presets: Array<string>, 
/**
 * Whether the policy could not be read (then Azure checks on submit).
 */
unknown: boolean, };

export type ActivationForm = { 
/**
 * Role key.
 */
key: string, 
/**
 * Duration in minutes.
 */
minutes: number | null, 
/**
 * Why.
 */
justification: string | null, 
/**
 * Ticket system.
 */
ticketSystem: string | null, 
/**
 * Ticket number.
 */
ticketNumber: string | null, 
/**
 * Start later (ISO 8601).
 */
start: string | null, 
/**
 * Activate at a scope below the eligible one (Azure resource roles; a full scope id).
 */
narrowerScope: string | null, };

export type FavouriteForm = { 
/**
 * Role key.
 */
key: string, 
/**
 * Make it a favourite (true) or not (false).
 */
favourite: boolean, 
/**
 * The justification to send.
 */
justification: string | null, 
/**
 * Duration in minutes.
 */
minutes: number | null, 
/**
 * Ticket system.
 */
ticketSystem: string | null, 
/**
 * Ticket number.
 */
ticketNumber: string | null, };

export type SettingsView = { 
/**
 * The signed-in user (none while signed out).
 */
account: string | null, 
/**
 * Their tenant.
 */
tenant: string | null, 
/**
 * Demo mode.
 */
demo: boolean, 
/**
 * Whether Sign out means something (Elevate's own sign-in).
 */
canSignOut: boolean, 
/**
 * `public`, `us-gov`, `china` or `custom`.
 */
cloud: string, 
/**
 * The duration asked for when none is given, in minutes.
 */
defaultMinutes: number, 
/**
 * Minutes before a grant ends at which a notification warns.
 */
warnBeforeMinutes: Array<number>, 
/**
 * Justifications offered in the request form.
 */
justificationPresets: Array<string>, 
/**
 * Whether Elevate starts when the user signs in to the computer; none when unknown.
 */
startAtLogin: boolean | null, 
/**
 * Whether the tray app checks the signed update feed (`[updates] enabled`).
 */
updateChecks: boolean, 
/**
 * The settings file.
 */
configFile: string, 
/**
 * Elevate's version (the workspace's), for the About line.
 */
version: string, 
/**
 * Favourites.
 */
favourites: Array<FavouriteView>, 
/**
 * Saved sets.
 */
sets: Array<SetView>, };

export type FavouriteView = { 
/**
 * Role key.
 */
key: string, 
/**
 * "Role @ scope" (or the key when the role is no longer listed).
 */
name: string, 
/**
 * Saved justification.
 */
justification: string | null, 
/**
 * Saved duration in minutes.
 */
minutes: number | null, };

export type SetView = { 
/**
 * The set's name.
 */
name: string, 
/**
 * Its roles as "Role @ scope".
 */
roles: Array<string>, 
/**
 * Its role keys.
 */
keys: Array<string>, 
/**
 * Justification sent for each.
 */
justification: string | null, 
/**
 * Duration in minutes.
 */
minutes: number | null, };

export type SettingsForm = { 
/**
 * `public`, `us-gov`, `china` or `custom`.
 */
cloud: string, 
/**
 * Default duration in minutes.
 */
defaultMinutes: number, 
/**
 * Warnings before a grant ends, in minutes.
 */
warnBeforeMinutes: Array<number>, 
/**
 * Justifications offered in the request form.
 */
justificationPresets: Array<string>, };

export type SetForm = { 
/**
 * Its name (a set with that name is replaced).
 */
name: string, 
/**
 * Role keys.
 */
keys: Array<string>, 
/**
 * Justification for each.
 */
justification: string | null, 
/**
 * Duration in minutes.
 */
minutes: number | null, };

export type ActionView = { 
/**
 * `done`, `pending-approval`, `error`…
 */
outcome: string, 
/**
 * One sentence.
 */
message: string, 
/**
 * Adjustments made on the way.
 */
notes: Array<string>, };

export type HistoryView = { 
/**
 * When (ISO 8601).
 */
at: string, 
/**
 * What was asked.
 */
kind: string, 
/**
 * Role name.
 */
role: string, 
/**
 * Scope name.
 */
scope: string, 
/**
 * Outcome.
 */
status: string, 
/**
 * Why.
 */
justification: string | null, };

export type UiError = { 
/**
 * A stable code (`invalid`, `auth`, `already-decided`…).
 */
code: string, 
/**
 * What happened and what to do.
 */
message: string, };

