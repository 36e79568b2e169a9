// The request form: it asks only for what the role's policy needs, holds the duration to the
// policy's maximum, sends the right ActivationForm, works from the keyboard, and says what went wrong.
import { fireEvent, screen, waitFor } from "@testing-library/preact";
import { describe, expect, it } from "vitest";
import type { ActionView, CheckView, PolicyView } from "../src/bindings";
import { clampMinutes } from "../src/views/request-form";
import { done, policy, roles } from "./fixtures";
import { answer, callsOf, deferred } from "./tauri";
import { openWindow, the, texts } from "./window";

const CONTRIBUTOR = roles()[0];
const OWNER = roles()[1];
const ENTRA = roles()[3];

/** Azure's answer to the form's check before sending. */
function checked(overrides: Partial<CheckView> = {}): CheckView {
  return { verdict: "would-be-granted", message: "Azure would grant it.", notes: [], fields: [], checkedByAzure: true, ...overrides };
}

/** Opens the window on `key`'s form (as the tray's "Activate…" does) with `rules` as its policy;
 * resolves once the policy is read. Azure's check before sending says it would be granted. */
async function openForm(rules: PolicyView, key = CONTRIBUTOR.key) {
  answer("policy", () => rules);
  answer("check_activation", () => checked());
  const opened = await openWindow(undefined, `#/activate/${encodeURIComponent(key)}`);
  await waitFor(() => expect(document.querySelector(".form p.empty")).toBeNull());
  return opened;
}

function submitButton(): HTMLButtonElement {
  return the<HTMLButtonElement>("#submit");
}

describe("the request form", () => {
  it("requires a justification when the policy does, and sends the form with it", async () => {
    answer("activate", () => done("Contributor on Contoso Development: done, active until 10:00."));
    const { user } = await openForm(policy({ justificationRequired: true }));
    expect(the("#form-role").textContent).toBe("Contributor");
    expect(the("label:has(#justification)").textContent).toContain("Justification (required)");
    expect(the<HTMLTextAreaElement>("#justification").required).toBe(true);
    expect(document.querySelector("#ticket-system")).toBeNull();
    expect(submitButton().disabled).toBe(true);
    // Only spaces are not a justification.
    await user.type(the("#justification"), "   ");
    expect(submitButton().disabled).toBe(true);
    await user.type(the("#justification"), " Deploying the release ");
    expect(submitButton().disabled).toBe(false);
    await user.click(submitButton());
    await waitFor(() => expect(callsOf("activate")).toHaveLength(1));
    expect(callsOf("check_activation")).toEqual([{ form: callsOf("activate")[0].form }]);
    expect(callsOf("activate")).toEqual([
      {
        form: {
          key: CONTRIBUTOR.key,
          minutes: 60,
          justification: "Deploying the release",
          ticketSystem: null,
          ticketNumber: null,
          start: null,
          narrowerScope: null,
        },
      },
    ]);
    // Done: the app's sentence on the status line, and the Active tab.
    await waitFor(() => expect(the("#notice").textContent).toBe("Contributor on Contoso Development: done, active until 10:00."));
    expect(the("#tab-active").getAttribute("aria-selected")).toBe("true");
    expect(document.querySelector("#activate-form")).toBeNull();
  });

  it("asks for nothing more when the policy needs nothing, and Enter submits", async () => {
    answer("activate", () => done("Global Administrator: done."));
    const { user } = await openForm(policy({ justificationRequired: false }), ENTRA.key);
    expect(the("label:has(#justification)").textContent).toContain("Justification (optional)");
    expect(the<HTMLTextAreaElement>("#justification").required).toBe(false);
    expect(document.querySelector("#ticket-system, #ticket-number")).toBeNull();
    // An Entra role has no narrower scope to offer.
    expect(document.querySelector("#narrower-scope")).toBeNull();
    expect(submitButton().disabled).toBe(false);
    await user.click(the("#minutes"));
    await user.keyboard("{Enter}");
    await waitFor(() => expect(callsOf("activate")).toHaveLength(1));
    expect(callsOf("activate")[0]).toEqual({
      form: {
        key: ENTRA.key,
        minutes: 60,
        justification: null,
        ticketSystem: null,
        ticketNumber: null,
        start: null,
        narrowerScope: null,
      },
    });
  });

  it("submits with Ctrl+Enter in the justification", async () => {
    answer("activate", () => done("Contributor: done."));
    const { user } = await openForm(policy());
    // The justification has the focus once the policy is read.
    await waitFor(() => expect(document.activeElement).toBe(the("#justification")));
    await user.keyboard("Hotfix 7");
    await user.keyboard("{Control>}{Enter}{/Control}");
    await waitFor(() => expect(callsOf("activate")).toHaveLength(1));
    await waitFor(() => expect(callsOf("activate")[0]).toMatchObject({ form: { justification: "Hotfix 7" } }));
  });

  it("requires both ticket fields when the policy asks for a ticket", async () => {
    answer("activate", () => done("Owner: done."));
    const { user } = await openForm(policy({ justificationRequired: false, ticketRequired: true }), OWNER.key);
    expect(the<HTMLInputElement>("#ticket-system").required).toBe(true);
    expect(the<HTMLInputElement>("#ticket-number").required).toBe(true);
    await user.type(the("#ticket-number"), "INC0042");
    expect(submitButton().disabled).toBe(true);
    await user.type(the("#ticket-system"), " ServiceNow ");
    expect(submitButton().disabled).toBe(false);
    await user.click(submitButton());
    await waitFor(() => expect(callsOf("activate")).toHaveLength(1));
    expect(callsOf("activate")[0]).toMatchObject({
      form: { key: OWNER.key, ticketSystem: "ServiceNow", ticketNumber: "INC0042", justification: null },
    });
  });

  it("starts at the policy's default and holds the duration to its maximum", async () => {
    answer("activate", () => done("Contributor: done."));
    const { user } = await openForm(policy({ maxMinutes: 240, defaultMinutes: 45, justificationRequired: false }));
    const minutes = the<HTMLInputElement>("#minutes");
    expect(minutes.value).toBe("45");
    expect(minutes.max).toBe("240");
    expect(the("label:has(#minutes)").textContent).toContain("Duration (minutes, at most 240)");
    // More than the maximum: the form's own check refuses it (the browser says why) and nothing is sent.
    await user.clear(minutes);
    await user.type(minutes, "600");
    await user.click(submitButton());
    expect(minutes.validity.rangeOverflow).toBe(true);
    expect(callsOf("activate")).toHaveLength(0);
    await user.clear(minutes);
    await user.type(minutes, "240");
    await user.click(submitButton());
    await waitFor(() => expect(callsOf("activate")).toEqual([{ form: expect.objectContaining({ minutes: 240 }) }]));
  });

  it("asks for at least a minute, and for any length when the policy has no maximum", async () => {
    answer("activate", () => new Promise<ActionView>(() => {}));
    const { user } = await openForm(policy({ maxMinutes: null, justificationRequired: false }));
    expect(the("label:has(#minutes)").textContent).not.toContain("at most");
    const minutes = the<HTMLInputElement>("#minutes");
    expect(minutes.hasAttribute("max")).toBe(false);
    await user.clear(minutes);
    await user.type(minutes, "0");
    await user.click(submitButton());
    expect(minutes.validity.rangeUnderflow).toBe(true);
    expect(callsOf("activate")).toHaveLength(0);
    await user.clear(minutes);
    await user.type(minutes, "1440");
    await user.click(submitButton());
    await waitFor(() => expect(callsOf("activate")).toEqual([{ form: expect.objectContaining({ minutes: 1440 }) }]));
  });

  it("clamps what it sends to between a minute and the maximum (behind the form's own check)", () => {
    expect(clampMinutes(600, 240)).toBe(240);
    expect(clampMinutes(240, 240)).toBe(240);
    expect(clampMinutes(0, 240)).toBe(1);
    expect(clampMinutes(0, null)).toBe(1);
    expect(clampMinutes(1440, null)).toBe(1440);
  });

  it("says what the policy asks besides: approval, a stronger sign-in", async () => {
    await openForm(policy({ approvalRequired: true, authenticationContext: "c1" }));
    expect(the("#approval-notice").textContent).toContain("An approver must agree");
    expect(screen.getByText(/This role asks for a stronger sign-in \(authentication context c1\)/)).toBeTruthy();
  });

  it("offers the presets and recent reasons once each, and a click fills the justification", async () => {
    const { user } = await openForm(
      policy({ presets: ["Incident response", "Release"], recentReasons: ["Release", "Hotfix <b>7</b>"] }),
    );
    expect(texts(".presets .chip")).toEqual(["Incident response", "Release", "Hotfix <b>7</b>"]);
    expect(document.querySelector(".presets b")).toBeNull();
    await user.click(screen.getByRole("button", { name: "Incident response" }));
    expect(the<HTMLTextAreaElement>("#justification").value).toBe("Incident response");
    expect(submitButton().disabled).toBe(false);
  });

  it("offers the known scopes below an Azure role's own and sends the one chosen", async () => {
    answer("activate", () => done("Owner: done."));
    const { user } = await openForm(policy({ justificationRequired: false }), OWNER.key);
    const options = [...document.querySelectorAll<HTMLOptionElement>("#narrower-scopes option")];
    expect(options.map((o) => [o.value, o.textContent])).toEqual([[roles()[2].scopeId, "rg-web-prod"]]);
    await user.type(the("#narrower-scope"), roles()[2].scopeId);
    await user.click(submitButton());
    await waitFor(() => expect(callsOf("activate")[0]).toMatchObject({ form: { narrowerScope: roles()[2].scopeId } }));
  });

  it("sends a later start as an ISO time", async () => {
    answer("activate", () => done("Contributor: scheduled."));
    const { user } = await openForm(policy({ justificationRequired: false }));
    fireEvent.input(the("#start"), { target: { value: "2025-06-02T14:30" } });
    await user.click(submitButton());
    await waitFor(() => expect(callsOf("activate")[0]).toMatchObject({ form: { start: new Date("2025-06-02T14:30").toISOString() } }));
  });

  it("shows progress while the activation runs and sends it once however often it is submitted", async () => {
    const activation = deferred<ActionView>();
    answer("activate", () => activation.promise);
    const { user } = await openForm(policy({ justificationRequired: false }));
    await user.click(submitButton());
    await waitFor(() => expect(the("#notice").textContent).toBe("Activating…"));
    expect(submitButton().textContent).toBe("Activating…");
    expect(submitButton().disabled).toBe(true);
    // Enter again, and the form's own submit, while it runs: nothing more is sent.
    await user.click(the("#minutes"));
    await user.keyboard("{Enter}");
    the<HTMLFormElement>("#activate-form").requestSubmit();
    expect(callsOf("activate")).toHaveLength(1);
    activation.resolve(done("Contributor: done."));
    await waitFor(() => expect(the("#notice").textContent).toBe("Contributor: done."));
    expect(callsOf("activate")).toHaveLength(1);
  });

  it("keeps the form open and shows Azure's refusal when the activation fails", async () => {
    answer("activate", () =>
      Promise.reject({ code: "policy", message: "Azure refused: the justification is too short." }),
    );
    const { user } = await openForm(policy({ justificationRequired: false }));
    await user.click(submitButton());
    await waitFor(() => expect(the("#notice").textContent).toBe("Azure refused: the justification is too short."));
    expect(the("#notice").className).toBe("notice error");
    expect(the("#form-role").textContent).toBe("Contributor");
    expect(submitButton().disabled).toBe(false);
  });

  it("says when the policy cannot be read, and does not submit", async () => {
    answer("policy", () => Promise.reject({ code: "network", message: "Azure did not answer." }));
    const { user } = await openWindow(undefined, `#/activate/${encodeURIComponent(CONTRIBUTOR.key)}`);
    await waitFor(() => expect(screen.getByText("Azure did not answer.")).toBeTruthy());
    expect(submitButton().disabled).toBe(true);
    await user.click(the("#justification"));
    await user.keyboard("x{Control>}{Enter}{/Control}");
    expect(callsOf("activate")).toHaveLength(0);
  });

  it("closes on Escape and on Cancel (Esc), back to the list", async () => {
    const { user } = await openForm(policy());
    await user.keyboard("{Escape}");
    expect(document.querySelector("#activate-form")).toBeNull();
    expect(document.querySelector("#roles")).not.toBeNull();
    await user.click(the<HTMLButtonElement>("#roles .role:nth-child(1) button.activate"));
    await waitFor(() => expect(submitButton()).toBeTruthy());
    await user.click(screen.getByRole("button", { name: "Cancel (Esc)" }));
    expect(document.querySelector("#activate-form")).toBeNull();
  });

  it("saves the answers as a favourite when asked, and says when that failed", async () => {
    answer("activate", () => done("Contributor: done."));
    answer("set_favourite", () => Promise.reject({ code: "store", message: "The database is locked." }));
    const { user } = await openForm(policy({ justificationRequired: false }));
    await user.type(the("#justification"), "Release");
    await user.click(the("#save-favourite"));
    await user.click(submitButton());
    await waitFor(() =>
      expect(the("#notice").textContent).toBe("Activated, but not saved as a favourite: The database is locked."),
    );
    expect(callsOf("set_favourite")).toEqual([
      {
        form: {
          key: CONTRIBUTOR.key,
          favourite: true,
          justification: "Release",
          minutes: 60,
          ticketSystem: null,
          ticketNumber: null,
        },
      },
    ]);
  });

  it("says so when the role asked for is no longer eligible", async () => {
    const { user } = await openWindow(undefined, "#/activate/azure-resource:%2Fgone:role");
    expect(screen.getByText("That role is no longer among your eligible roles.")).toBeTruthy();
    expect(callsOf("policy")).toHaveLength(0);
    await user.click(screen.getByRole("button", { name: "Back" }));
    expect(document.querySelector("#roles")).not.toBeNull();
  });

  it("checks before sending: a refusal is shown next to the field it concerns and nothing is sent", async () => {
    const check = deferred<CheckView>();
    answer("activate", () => done("Owner: done."));
    const { user } = await openForm(policy({ justificationRequired: false }), OWNER.key);
    answer("check_activation", () => check.promise);
    await user.click(submitButton());
    // While Azure checks: "Checking…", nothing can be sent twice.
    await waitFor(() => expect(submitButton().textContent).toBe("Checking…"));
    expect(the("#notice").textContent).toBe("Checking…");
    expect(submitButton().disabled).toBe(true);
    check.resolve(
      checked({
        verdict: "refused",
        message: "the role's policy refused the request: a ticket is required",
        fields: ["ticket"],
      }),
    );
    await waitFor(() => expect(the("#check-ticket").textContent).toBe("the role's policy refused the request: a ticket is required"));
    expect(document.querySelector("#check-duration, #check-justification, #check-result")).toBeNull();
    expect(the("#notice").className).toBe("notice error");
    expect(callsOf("activate")).toHaveLength(0);
    expect(the("#form-role").textContent).toBe("Owner");
    // Changed, the form's old answer goes away.
    await user.type(the("#justification"), "x");
    expect(document.querySelector("#check-ticket")).toBeNull();
  });

  it("Check asks Azure without sending, and says what would happen", async () => {
    answer("activate", () => done("Contributor: done."));
    const { user } = await openForm(policy({ justificationRequired: false }));
    answer("check_activation", () =>
      checked({
        verdict: "would-wait-for-approval",
        message: "Azure would accept it; it would then wait for an approver.",
        notes: ["duration shortened from 10h to 8h, the role's maximum"],
      }),
    );
    await user.type(the("#justification"), "Release");
    await user.click(the("#check"));
    await waitFor(() => expect(the("#check-result").textContent).toContain("would then wait for an approver"));
    expect(the("#check-result").textContent).toContain("duration shortened");
    expect(callsOf("check_activation")).toEqual([{ form: expect.objectContaining({ key: CONTRIBUTOR.key, justification: "Release" }) }]);
    expect(callsOf("activate")).toHaveLength(0);
    expect(the("#activate-form")).toBeTruthy();
  });

  it("sends when the check could not be made, and stops when nothing would be requested", async () => {
    answer("activate", () => done("Contributor: done."));
    const { user } = await openForm(policy({ justificationRequired: false }));
    answer("check_activation", () => checked({ verdict: "already-active", message: "It is already active: nothing would be requested." }));
    await user.click(submitButton());
    await waitFor(() => expect(the("#check-result").textContent).toBe("It is already active: nothing would be requested."));
    expect(callsOf("activate")).toHaveLength(0);
    answer("check_activation", () => checked({ verdict: "unknown", message: "could not reach management.azure.com", checkedByAzure: false }));
    await user.type(the("#justification"), "again");
    await user.click(submitButton());
    await waitFor(() => expect(callsOf("activate")).toHaveLength(1));
  });
});
