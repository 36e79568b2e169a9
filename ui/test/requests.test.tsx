// The Requests tab: the user's own waiting requests, each with Cancel.
import { waitFor } from "@testing-library/preact";
import { describe, expect, it } from "vitest";
import { MARKUP, request, snapshot } from "./fixtures";
import { answer, callsOf } from "./tauri";
import { openWindow, the, texts } from "./window";

const MINE = request({
  id: "req-1",
  requester: null,
  requesterAccount: null,
  role: "Owner",
  status: "Waiting for approval",
  justification: MARKUP,
});

describe("Requests", () => {
  it("lists the waiting requests, their reasons as text", async () => {
    await openWindow(snapshot({ pending: [MINE] }), "#/requests");
    expect(texts("#requests .name")).toEqual(["Owner"]);
    expect(the("#requests .sub").textContent).toBe(`Contoso Production · Waiting for approval · “${MARKUP}”`);
    expect(document.querySelector("#requests img")).toBeNull();
    expect(the("#tab-requests .count").textContent).toBe("1");
  });

  it("cancels a request", async () => {
    answer("cancel", () => null);
    const { user } = await openWindow(snapshot({ pending: [MINE] }), "#/requests");
    await user.click(the("#requests button"));
    expect(callsOf("cancel")).toEqual([{ id: "req-1" }]);
    await waitFor(() => expect(the("#notice").textContent).toBe("Canceling the request: done"));
  });

  it("shows why a cancel failed", async () => {
    answer("cancel", () => Promise.reject({ code: "not-found", message: "The request is gone already." }));
    const { user } = await openWindow(snapshot({ pending: [MINE] }), "#/requests");
    await user.click(the("#requests button"));
    await waitFor(() => expect(the("#notice").textContent).toBe("The request is gone already."));
    expect(the("#notice").className).toBe("notice error");
  });

  it("says when none waits", async () => {
    await openWindow(snapshot({ pending: [] }), "#/requests");
    expect(document.querySelector("main")?.textContent).toBe("No request is waiting.");
    expect(document.querySelector("#tab-requests .count")).toBeNull();
  });
});
