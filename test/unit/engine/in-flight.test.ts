import { describe, expect, it } from "vitest";
import { InFlight, type InFlightExecution } from "../../../src/engine/in-flight.js";
import { NotFoundError, UnavailableError } from "../../../src/temporal/service-errors.js";
import type { TemporalClient } from "../../../src/temporal/types.js";

/** A client whose terminate answers by execution ID as `answers` says. */
function clientAnswering(answers: Record<string, Error | undefined>): TemporalClient {
  const terminate = async (id: string) => {
    const error = answers[id];
    if (error) throw error;
  };
  return { activities: { terminate }, nexus: { terminate } } as unknown as TemporalClient;
}

function execution(executionId: string): InFlightExecution {
  return { kind: "activity", executionId, runId: undefined, terminated: false, stopAwaiting: () => undefined };
}

describe("InFlight.terminateAll (a second Ctrl-C)", () => {
  it("lists what a terminate did not reach, not what had already closed", async () => {
    const inFlight = new InFlight(
      clientAnswering({
        "r.gone": new NotFoundError("not found", 5, "TerminateActivityExecution"),
        "r.frozen": new UnavailableError("no answer", 14, "TerminateActivityExecution"),
      }),
    );
    for (const id of ["r.ok", "r.gone", "r.frozen"]) inFlight.add(execution(id));
    await inFlight.terminateAll("test");
    expect(inFlight.unterminated).toEqual(["r.frozen"]);
  });
});
