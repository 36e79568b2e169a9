// Words and dates shared by the views. Everything here returns plain text: the views put it into the
// page as text, never as HTML.

/** Where a role is: "Contoso Production · subscription · Azure resource role". */
export function placeOf(role: { scope: string; scopeKind: string; sourceLabel: string }): string {
  return `${role.scope} · ${role.scopeKind} · ${role.sourceLabel}`;
}

/** " · “reason”" after a line, or nothing when there is no reason. */
export function quotedAfter(text: string | null): string {
  return text ? ` · “${text}”` : "";
}

/** An ISO 8601 time in the user's local format. */
export function localTime(iso: string): string {
  return new Date(iso).toLocaleString();
}

/** A time in the local format, or "now" when there is none (a request that starts at once). */
export function timeOrNow(iso: string | null): string {
  return iso ? localTime(iso) : "now";
}

const SOURCES: Record<string, string> = {
  "azure-resource": "Azure resource role",
  "entra-role": "Entra role",
  group: "PIM for Groups",
};

/** A source id (`azure-resource`, `entra-role`, `group`) in words. */
export function sourceName(source: string): string {
  return SOURCES[source] ?? source;
}
