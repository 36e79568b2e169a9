// Who may approve: the Requests tab names the approvers of a waiting request and reaches them
// through the shell (which builds the link); the form says who will decide before it is sent.
import { waitFor } from "@testing-library/preact";
import { describe, expect, it } from "vitest";
import type { ApproverView, WaitingView } from "../src/bindings";
import { MARKUP, policy, request, roles, snapshot } from "./fixtures";
import { answer, callsOf } from "./tauri";
import { openWindow, the, texts } from "./window";

const MINE = request({ id: "req-1", requester: null, requesterAccount: null, status: "Waiting for approval" });

function approver(overrides: Partial<ApproverView> = {}): ApproverView {
  return {
    id: "6ace0000-1906-4b1d-8c2e-0000000c0b01",
    kind: "user",
    name: "Grace Hopper",
    stage: 1,
    backup: false,
    mail: "grace@contoso.example",
    canMail: true,
    canChat: true,
    ...overrides,
  };
}

const GROUP = approver({
  id: "5e0b0e7a-0f5e-4a1b-9c3d-00000a990e55",
  kind: "group",
  name: "PIM Approvers",
  mail: "pim-approvers@contoso.example",
  canChat: false,
});

function waiting(approvers: ApproverView[], overrides: Partial<WaitingView> = {}): WaitingView {
  return { requestId: "req-1", approvers, canMailAll: true, canChatAll: true, ...overrides };
}

describe("who may approve", () => {
  it("names a waiting request's approvers, users and groups, as text", async () => {
    answer("request_approvers", () => waiting([approver({ name: MARKUP }), GROUP]));
    await openWindow(snapshot({ pending: [MINE] }), "#/requests");
    await waitFor(() => expect(document.querySelector("#requests .approvers")).not.toBeNull());
    expect(callsOf("request_approvers")).toEqual([{ id: "req-1" }]);
    expect(the("#requests .waiting-for").textContent).toBe(`Waiting for ${MARKUP}, PIM Approvers (group)`);
    expect(texts("#requests .approver-name")).toEqual([MARKUP, "PIM Approvers (group)"]);
    expect(document.querySelector("#requests img")).toBeNull();
    // A group has no chat: only its e-mail.
    expect(texts("#requests .approver:nth-child(2) button")).toEqual(["E-mail"]);
    expect(texts("#requests .approver:first-child button")).toEqual(["E-mail", "Teams chat"]);
    // The Cancel button stays the row's first button.
    expect(the("#requests button").textContent).toBe("Cancel request");
  });

  it("asks the shell to write to one approver or to all, naming only the request, approver and channel", async () => {
    answer("request_approvers", () => waiting([approver(), GROUP]));
    answer("contact_approvers", () => null);
    const { user } = await openWindow(snapshot({ pending: [MINE] }), "#/requests");
    await waitFor(() => expect(document.querySelector("#requests .approvers")).not.toBeNull());
    await user.click(the("#requests .approver:first-child button.chat"));
    await waitFor(() => expect(the("#notice").textContent).toBe("Opening a Teams chat: done"));
    await user.click(the("#requests button.mail-all"));
    await waitFor(() => expect(callsOf("contact_approvers").length).toBe(2));
    await user.click(the("#requests .approver:nth-child(2) button.mail"));
    await waitFor(() => expect(callsOf("contact_approvers").length).toBe(3));
    expect(callsOf("contact_approvers")).toEqual([
      { id: "req-1", approver: "6ace0000-1906-4b1d-8c2e-0000000c0b01", channel: "teams" },
      { id: "req-1", approver: null, channel: "mail" },
      { id: "req-1", approver: "5e0b0e7a-0f5e-4a1b-9c3d-00000a990e55", channel: "mail" },
    ]);
  });

  it("offers no link where none can be built, and says why opening failed", async () => {
    answer("request_approvers", () =>
      waiting([approver({ mail: null, canMail: false, canChat: true })], { canMailAll: false }),
    );
    answer("contact_approvers", () => Promise.reject({ code: "invalid", message: "no Teams sign-in name is known for them" }));
    const { user } = await openWindow(snapshot({ pending: [MINE] }), "#/requests");
    await waitFor(() => expect(document.querySelector("#requests .approvers")).not.toBeNull());
    expect(document.querySelector("#requests button.mail")).toBeNull();
    // One approver: no "all" buttons.
    expect(document.querySelector("#requests button.mail-all, #requests button.chat-all")).toBeNull();
    await user.click(the("#requests button.chat"));
    await waitFor(() => expect(the("#notice").textContent).toBe("no Teams sign-in name is known for them"));
  });

  it("lists the request without approvers when they cannot be read, and asks only for waiting ones", async () => {
    answer("request_approvers", () => Promise.reject({ code: "invalid", message: "refused" }));
    const later = request({ id: "req-2", decideBy: null, status: "Pending" });
    await openWindow(snapshot({ pending: [MINE, later] }), "#/requests");
    await waitFor(() => expect(callsOf("request_approvers")).toEqual([{ id: "req-1" }]));
    expect(texts("#requests .name")).toEqual(["Owner", "Owner"]);
    expect(document.querySelector("#requests .approvers")).toBeNull();
  });

  it("says in the form who will decide before the request is sent", async () => {
    answer("policy", () => policy({ approvalRequired: true, approvers: [approver(), GROUP] }));
    await openWindow(undefined, `#/activate/${encodeURIComponent(roles()[1].key)}`);
    await waitFor(() => expect(document.querySelector("#approvers-notice")).not.toBeNull());
    expect(the("#approvers-notice").textContent).toBe("Needs approval by Grace Hopper, PIM Approvers (group).");
  });

  it("says nothing of approvers when the policy needs none or names none", async () => {
    answer("policy", () => policy({ approvalRequired: true, approvers: [] }));
    await openWindow(undefined, `#/activate/${encodeURIComponent(roles()[1].key)}`);
    await waitFor(() => expect(document.querySelector(".form p.empty")).toBeNull());
    expect(document.querySelector("#approvers-notice")).toBeNull();
    expect(the("#approval-notice").textContent).toContain("An approver must agree");
  });
});
