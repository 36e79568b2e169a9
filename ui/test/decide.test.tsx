// The decision pop-up (its own window, `#/decide/<word>/<request id>`): nothing chosen for the user,
// submits ignored for its first second, a reason always required, the outcome said, a request
// decided elsewhere told as such, Escape closes.
import { act, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { RequestView, SnapshotView } from "../src/bindings";
import { DecisionPopup, isDecisionRoute } from "../src/views/decide";
import { MARKUP, SCRIPT, request, snapshot } from "./fixtures";
import { answer, callsOf, deferred, emit } from "./tauri";
import { the } from "./window";

const GRACE = request({ id: "/subscriptions/x/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/r1" });
const OTHER = request({ id: "r2", role: "Global Administrator", scopePath: ["Directory"], source: "entra-role" });

/** Opens the pop-up on `id` (the word in the route is not a verdict: Approve… opens it too). */
async function openPopup(id = GRACE.id, snap: SnapshotView = snapshot({ approvals: [GRACE, OTHER] })) {
  history.replaceState(null, "", `#/decide/approve/${encodeURIComponent(id)}`);
  answer("snapshot", () => snap);
  answer("close_window", () => null);
  const user = userEvent.setup();
  const view = render(<DecisionPopup />);
  await waitFor(() => expect(document.querySelector("#title, #gone")).not.toBeNull());
  return { user, ...view };
}

function armed(): string | undefined {
  return the<HTMLFormElement>("#decision form").dataset.armed;
}

/** Lets the pop-up's first second pass (the timers are fake but move on with real time too). */
async function waitUntilArmed() {
  await act(async () => {
    await vi.advanceTimersByTimeAsync(1200);
  });
  expect(armed()).toBe("true");
}

beforeEach(() => {
  vi.useFakeTimers({ shouldAdvanceTime: true });
});

afterEach(() => {
  vi.useRealTimers();
});

describe("the decision pop-up", () => {
  it("is picked by its route", () => {
    expect(isDecisionRoute("#/decide/approve/r1")).toBe(true);
    expect(isDecisionRoute("#/approvals")).toBe(false);
  });

  it("shows the request with nothing chosen and nothing that sends focused", async () => {
    await openPopup();
    expect(the("#title").textContent).toBe("Grace Hopper asks for Owner");
    expect(the("#requester").textContent).toBe("Grace Hopper <grace@contoso.example>");
    expect(the("#scope").textContent).toBe("Contoso / Contoso Production");
    expect(the("#source").textContent).toBe("Azure resource role");
    expect(the("#kind").textContent).toBe("activate");
    expect(the("#justification").textContent).toBe("Rotate the storage keys");
    expect(screen.getByText("ServiceNow INC0042")).toBeTruthy();
    for (const id of ["#verdict-approve", "#verdict-deny"]) expect(the(id).getAttribute("aria-checked")).toBe("false");
    expect(["reason", "submit", "verdict-approve", "verdict-deny"]).not.toContain(document.activeElement?.id);
    expect(the("#submit").textContent).toBe("Choose Approve or Deny");
    expect(armed()).toBe("false");
    await waitUntilArmed();
  });

  it("shows names and reasons with markup as text, and marks a guest", async () => {
    const hostile = request({ id: "r3", requester: MARKUP, requesterGuest: true, justification: SCRIPT });
    await openPopup("r3", snapshot({ approvals: [hostile] }));
    expect(the("#title").textContent).toBe(`${MARKUP} asks for Owner`);
    expect(the("#justification").textContent).toBe(SCRIPT);
    expect(the("#guest").textContent).toBe(" Guest");
    expect(document.querySelectorAll("#decision img, #decision script")).toHaveLength(0);
  });

  it("ignores a verdict, a reason and Ctrl+Enter in its first second", async () => {
    await openPopup();
    // At once, as keys typed for another window would (events, not paced typing, so the second
    // cannot pass meanwhile).
    fireEvent.click(the("#verdict-deny"));
    fireEvent.input(the("#reason"), { target: { value: "typed for another window" } });
    fireEvent.keyDown(the("#reason"), { key: "Enter", ctrlKey: true });
    the<HTMLFormElement>("#decision form").requestSubmit();
    expect(the("#verdict-deny").getAttribute("aria-checked")).toBe("true");
    expect(armed()).toBe("false");
    expect(callsOf("decide")).toHaveLength(0);
    expect(document.querySelector("#outcome")).toBeNull();
    expect(the<HTMLButtonElement>("#submit").disabled).toBe(true);
  });

  it("needs a verdict and a reason, then approves with the reason (Ctrl+Enter)", async () => {
    const decision = deferred<RequestView>();
    answer("decide", () => decision.promise);
    const { user } = await openPopup();
    await waitUntilArmed();
    await user.click(the("#verdict-approve"));
    expect(the("#verdict-approve").getAttribute("aria-checked")).toBe("true");
    expect(the<HTMLButtonElement>("#submit").disabled).toBe(true);
    await user.type(the("#reason"), "   ");
    expect(the<HTMLButtonElement>("#submit").disabled).toBe(true);
    await user.type(the("#reason"), "Change 42 is approved ");
    expect(the("#submit").textContent).toBe("Approve");
    await user.keyboard("{Control>}{Enter}{/Control}");
    expect(callsOf("decide")).toEqual([{ id: GRACE.id, approve: true, reason: "Change 42 is approved" }]);
    expect(the("#outcome").textContent).toBe("Approving…");
    expect(the<HTMLButtonElement>("#submit").disabled).toBe(true);
    // Submitting again while it runs sends nothing more.
    the<HTMLFormElement>("#decision form").requestSubmit();
    expect(callsOf("decide")).toHaveLength(1);
    decision.resolve({ ...GRACE, status: "Approved" });
    await waitFor(() => expect(the("#outcome").textContent).toBe("Approved: Grace Hopper is told."));
    expect(document.querySelector("#verdict-approve, #reason, #submit")).toBeNull();
    await waitFor(() => expect(document.activeElement).toBe(the("#close")));
  });

  it("denies with the Deny button", async () => {
    answer("decide", () => ({ ...GRACE, status: "Denied" }));
    const { user } = await openPopup();
    await waitUntilArmed();
    await user.click(the("#verdict-deny"));
    await user.type(the("#reason"), "Not during the freeze");
    expect(the("#submit").textContent).toBe("Deny");
    await user.click(the("#submit"));
    expect(callsOf("decide")).toEqual([{ id: GRACE.id, approve: false, reason: "Not during the freeze" }]);
    await waitFor(() => expect(the("#outcome").textContent).toBe("Denied: Grace Hopper is told."));
    expect(the("#outcome").className).toBe("notice ok");
  });

  it("tells a request someone else decided first as such, not as an error", async () => {
    answer("decide", () => Promise.reject({ code: "already-decided", message: "Conflict: the request is closed." }));
    const { user } = await openPopup();
    await waitUntilArmed();
    await user.click(the("#verdict-approve"));
    await user.type(the("#reason"), "Looks fine");
    await user.click(the("#submit"));
    await waitFor(() =>
      expect(the("#outcome").textContent).toBe("Someone else decided this request first; nothing was changed."),
    );
    expect(the("#outcome").className).toBe("notice info");
  });

  it("shows any other failure and lets the user try again", async () => {
    answer("decide", () => Promise.reject({ code: "network", message: "Azure did not answer." }));
    const { user } = await openPopup();
    await waitUntilArmed();
    await user.click(the("#verdict-approve"));
    await user.type(the("#reason"), "Fine");
    await user.click(the("#submit"));
    await waitFor(() => expect(the("#outcome").textContent).toBe("Azure did not answer."));
    expect(the("#outcome").className).toBe("notice error");
    expect(the<HTMLButtonElement>("#submit").disabled).toBe(false);
  });

  it("closes on Escape and on Close", async () => {
    const { user } = await openPopup();
    await user.keyboard("{Escape}");
    expect(callsOf("close_window")).toHaveLength(1);
    await user.click(the("#close"));
    expect(callsOf("close_window")).toHaveLength(2);
  });

  it("looks once more for a request the snapshot lacks, then says it no longer waits", async () => {
    answer("refresh", () => snapshot({ approvals: [OTHER] }));
    await openPopup("gone-id", snapshot({ approvals: [OTHER] }));
    await waitFor(() => expect(the("#gone").textContent).toMatch(/^This request no longer waits for you/));
    expect(callsOf("refresh")).toHaveLength(1);
    await waitFor(() => expect(document.activeElement).toBe(the("#close")));
  });

  it("moves to another request unarmed and with nothing chosen", async () => {
    const { user } = await openPopup();
    await waitUntilArmed();
    await user.click(the("#verdict-approve"));
    await user.type(the("#reason"), "For the first one");
    await emit("navigate", `decide/request/${OTHER.id}`);
    expect(the("#title").textContent).toBe("Grace Hopper asks for Global Administrator");
    expect(the("#source").textContent).toBe("Entra role");
    expect(armed()).toBe("false");
    expect(the("#verdict-approve").getAttribute("aria-checked")).toBe("false");
    expect(the<HTMLTextAreaElement>("#reason").value).toBe("");
    await waitUntilArmed();
  });
});
