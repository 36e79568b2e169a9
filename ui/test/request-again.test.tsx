// Request again after a denial: the tray opens the form on the role with the denied request's
// answers in the route (form-encoded); the form fills them in, held to the policy, and sends
// nothing until the user does. The answers are Azure's text: they stay field values.
import { waitFor } from "@testing-library/preact";
import { describe, expect, it } from "vitest";
import { routeTab } from "../src/main";
import { prefillOf } from "../src/views/request-form";
import { done, policy, roles } from "./fixtures";
import { answer, callsOf, emit } from "./tauri";
import { openWindow, the } from "./window";

const OWNER = roles()[1];

/** The route the tray sends for Request again (as `notifications::again_route` writes it). */
function againRoute(key: string, answers: Record<string, string>): string {
  return `activate/${key}?${new URLSearchParams(answers).toString()}`;
}

describe("Request again", () => {
  it("reads the answers from the route, whichever way the route arrives", () => {
    const route = againRoute(OWNER.key, {
      minutes: "90",
      justification: "Fix INC42 & roll back <b>now</b> 100%",
      ticketSystem: "ServiceNow",
      ticketNumber: "INC42",
    });
    const expected = {
      tab: "roles",
      activate: OWNER.key,
      prefill: {
        minutes: 90,
        justification: "Fix INC42 & roll back <b>now</b> 100%",
        ticketSystem: "ServiceNow",
        ticketNumber: "INC42",
      },
    };
    // As a `navigate` event (encoded like the URL) and as the new window's location hash.
    expect(routeTab(encodeURIComponent(route))).toEqual(expected);
    expect(routeTab(`#/${encodeURIComponent(route)}`)).toEqual(expected);
    // Nonsense minutes are no answer; missing answers stay missing.
    expect(prefillOf("minutes=-5&justification=x")).toEqual({
      minutes: undefined,
      justification: "x",
      ticketSystem: undefined,
      ticketNumber: undefined,
    });
  });

  it("opens the form filled with the denied answers, held to the policy, and sends only on submit", async () => {
    answer("policy", () => policy({ maxMinutes: 120, ticketRequired: true }));
    answer("activate", () => done("Owner on Contoso Production: pending approval."));
    const { user } = await openWindow();
    await emit(
      "navigate",
      encodeURIComponent(
        againRoute(OWNER.key, {
          minutes: "480",
          justification: "Fix <img src=x onerror=alert(1)>",
          ticketSystem: "ServiceNow",
          ticketNumber: "INC42",
        }),
      ),
    );
    await waitFor(() => expect(the<HTMLTextAreaElement>("#justification").value).toBe("Fix <img src=x onerror=alert(1)>"));
    expect(the("#form-role").textContent).toBe("Owner");
    // Text, never markup.
    expect(document.querySelector("img")).toBeNull();
    expect(the<HTMLInputElement>("#minutes").value).toBe("120");
    expect(the<HTMLInputElement>("#ticket-system").value).toBe("ServiceNow");
    expect(the<HTMLInputElement>("#ticket-number").value).toBe("INC42");
    expect(callsOf("activate")).toEqual([]);
    await user.click(the("#submit"));
    expect(callsOf("activate")).toEqual([
      {
        form: {
          key: OWNER.key,
          minutes: 120,
          justification: "Fix <img src=x onerror=alert(1)>",
          ticketSystem: "ServiceNow",
          ticketNumber: "INC42",
          start: null,
          narrowerScope: null,
        },
      },
    ]);
  });

  it("opens the plain form for a role chosen afterwards", async () => {
    answer("policy", () => policy());
    const { user } = await openWindow();
    await emit("navigate", encodeURIComponent(againRoute(OWNER.key, { justification: "denied text" })));
    await waitFor(() => expect(the<HTMLTextAreaElement>("#justification").value).toBe("denied text"));
    await user.keyboard("{Escape}");
    await waitFor(() => expect(document.querySelector("#activate-form")).toBeNull());
    await emit("navigate", `activate/${encodeURIComponent(OWNER.key)}`);
    await waitFor(() => expect(document.querySelector("#activate-form")).not.toBeNull());
    await waitFor(() => expect(the<HTMLInputElement>("#minutes").value).toBe("60"));
    expect(the<HTMLTextAreaElement>("#justification").value).toBe("");
  });
});
