// The Approvals tab: others' requests for the user's decision; Approve and Deny each need a reason.
import { waitFor } from "@testing-library/preact";
import { describe, expect, it } from "vitest";
import { MARKUP, SCRIPT, request, snapshot } from "./fixtures";
import { answer, callsOf } from "./tauri";
import { openWindow, the, texts } from "./window";

const GRACE = request({ id: "req-grace" });
const GUEST = request({
  id: "req-guest",
  requester: MARKUP,
  requesterAccount: "mallory_fabrikam.example#EXT#@contoso.example",
  requesterGuest: true,
  role: "Global Administrator",
  scopePath: ["Directory"],
  kind: "activate",
  justification: SCRIPT,
  ticket: null,
  durationMinutes: null,
});

function row(id: string): HTMLElement {
  return the(`#approvals .approval[data-id="${id}"]`);
}

describe("Approvals", () => {
  it("shows who asks for what, where, for how long and why", async () => {
    await openWindow(snapshot({ approvals: [GRACE, GUEST] }), "#/approvals");
    expect(the("#tab-approvals").getAttribute("aria-selected")).toBe("true");
    expect(the("#tab-approvals .count").textContent).toBe("2");
    const grace = row("req-grace");
    expect(grace.querySelector(".name")?.textContent).toBe("Grace Hopper asks for Owner");
    expect(grace.querySelector(".requester")?.textContent).toBe("grace@contoso.example");
    expect(texts(".sub", grace)[1]).toBe("Contoso / Contoso Production · activate · 60 min · ticket ServiceNow INC0042");
    expect(grace.querySelector(".quote")?.textContent).toBe("“Rotate the storage keys”");
    expect(grace.querySelector(".guest")).toBeNull();
  });

  it("marks a guest, and shows names and reasons with markup as text", async () => {
    await openWindow(snapshot({ approvals: [GUEST] }), "#/approvals");
    const guest = row("req-guest");
    expect(guest.querySelector(".name")?.textContent).toBe(`${MARKUP} asks for Global Administrator`);
    expect(guest.querySelector(".guest")?.textContent).toBe(" Guest");
    expect(guest.querySelector(".quote")?.textContent).toBe(`“${SCRIPT}”`);
    expect(document.querySelectorAll("#approvals img, #approvals script")).toHaveLength(0);
    expect((window as unknown as { pwned?: boolean }).pwned).toBeUndefined();
  });

  it("needs a reason before Approve or Deny, per request", async () => {
    const { user } = await openWindow(snapshot({ approvals: [GRACE, GUEST] }), "#/approvals");
    const approve = row("req-grace").querySelector<HTMLButtonElement>("button.approve")!;
    const deny = row("req-grace").querySelector<HTMLButtonElement>("button.deny")!;
    expect(approve.disabled && deny.disabled).toBe(true);
    await user.type(row("req-grace").querySelector("input.reason")!, "   ");
    expect(approve.disabled).toBe(true);
    await user.type(row("req-grace").querySelector("input.reason")!, "Change 42 is approved");
    expect(approve.disabled || deny.disabled).toBe(false);
    // The other request's reason is its own.
    expect(row("req-guest").querySelector<HTMLButtonElement>("button.approve")?.disabled).toBe(true);
  });

  it("denies with the reason and says so", async () => {
    answer("decide", () => ({ ...GRACE, status: "Denied" }));
    const { user } = await openWindow(snapshot({ approvals: [GRACE] }), "#/approvals");
    await user.type(row("req-grace").querySelector("input.reason")!, "Not during the change freeze");
    await user.click(row("req-grace").querySelector("button.deny")!);
    expect(callsOf("decide")).toEqual([{ id: "req-grace", approve: false, reason: "Not during the change freeze" }]);
    await waitFor(() => expect(the("#notice").textContent).toBe("Denying: done"));
  });

  it("approves, and tells a request someone else decided first as news, not as an error", async () => {
    answer("decide", () =>
      Promise.reject({ code: "already-decided", message: "Someone else decided this request first." }),
    );
    const { user } = await openWindow(snapshot({ approvals: [GRACE] }), "#/approvals");
    await user.type(row("req-grace").querySelector("input.reason")!, "Fine");
    await user.click(row("req-grace").querySelector("button.approve")!);
    expect(callsOf("decide")).toEqual([{ id: "req-grace", approve: true, reason: "Fine" }]);
    await waitFor(() => expect(the("#notice").textContent).toBe("Someone else decided this request first."));
    expect(the("#notice").className).toBe("notice info");
  });

  it("says when nothing waits", async () => {
    await openWindow(snapshot({ approvals: [] }), "#/approvals");
    expect(document.querySelector("main")?.textContent).toBe("Nothing waits for your decision.");
  });
});
