import { describe, expect, it } from "vitest";
import { causeChain, describeError, describeErrorChain } from "../../../src/engine/error-chain.js";
import type { StepError } from "../../../src/engine/events.js";

describe("describeErrorChain says each message once", () => {
  it("reads a step failure that quotes its cause as one sentence", () => {
    const cause: StepError = { type: "AcceptanceFailure", message: "smoke test failed for checkout" };
    const error: StepError = { message: "step 'smoke' failed: smoke test failed for checkout", cause };
    expect(describeErrorChain(error)).toBe("step 'smoke' failed: AcceptanceFailure: smoke test failed for checkout");
    // One per line, the outer link keeps only what it adds.
    expect(causeChain(error).map(describeError)).toEqual([
      "step 'smoke' failed",
      "AcceptanceFailure: smoke test failed for checkout",
    ]);
  });

  it("goes on through the causes after the spliced one", () => {
    const error: StepError = {
      message: "step 'flush' failed: Failed decoding arguments",
      cause: {
        type: "ApplicationFailure",
        message: "Failed decoding arguments",
        cause: { type: "TypeError", message: "Expected value to be str, was NoneType" },
      },
    };
    expect(describeErrorChain(error)).toBe(
      "step 'flush' failed: ApplicationFailure: Failed decoding arguments ← caused by TypeError: Expected value to be str, was NoneType",
    );
  });

  it("shows a cause with the same message by its type only, and drops one that adds nothing", () => {
    const sameWords: StepError = {
      type: "HandlerError",
      message: "the database refused the migration",
      cause: { type: "ApplicationFailure", nonRetryable: true, message: "the database refused the migration" },
    };
    expect(describeErrorChain(sameWords)).toBe(
      "HandlerError: the database refused the migration ← caused by ApplicationFailure (non-retryable)",
    );
    const twice: StepError = { type: "X", message: "boom", cause: { type: "X", message: "boom" } };
    expect(describeErrorChain(twice)).toBe("X: boom");
    expect(causeChain(twice)).toHaveLength(1);
  });

  it("shows a cause quoted in the middle of its link by its type only", () => {
    const error: StepError = {
      type: "DeployError",
      message: 'could not lock table "tenants" (after 3 tries)',
      cause: { type: "LockTimeout", message: 'could not lock table "tenants"' },
    };
    expect(describeErrorChain(error)).toBe(
      'DeployError: could not lock table "tenants" (after 3 tries) ← caused by LockTimeout',
    );
  });

  it("keeps causes whose words differ, and short messages found by chance", () => {
    const error: StepError = {
      type: "DeployError",
      nonRetryable: true,
      message: "step failed on attempt 1",
      cause: { type: "IOError", message: "1", cause: { type: "QuotaError", message: "disk quota" } },
    };
    expect(describeErrorChain(error)).toBe(
      "DeployError (non-retryable): step failed on attempt 1 ← caused by IOError: 1 ← caused by QuotaError: disk quota",
    );
  });

  it("does not leave an empty link when the outer message is only the quote", () => {
    const error: StepError = { message: ": boom went the thing", cause: { type: "E", message: "boom went the thing" } };
    expect(describeErrorChain(error)).toBe(": boom went the thing ← caused by E");
  });

  it("stops at a depth of 20 when causes form a cycle", () => {
    const a: StepError = { type: "A", message: "first" };
    const b: StepError = { type: "B", message: "second", cause: a };
    a.cause = b;
    expect(causeChain(a)).toHaveLength(20);
  });

  it("does not change the error it describes", () => {
    const cause: StepError = { type: "E", message: "the reason it broke" };
    const error: StepError = { message: "step 'x' failed: the reason it broke", cause };
    describeErrorChain(error);
    expect(error).toEqual({ message: "step 'x' failed: the reason it broke", cause });
  });
});

describe("describeError", () => {
  it("names the type and whether it is retried, and leaves out a missing type", () => {
    expect(describeError({ type: "PaymentDeclined", nonRetryable: true, message: "card declined" })).toBe(
      "PaymentDeclined (non-retryable): card declined",
    );
    expect(describeError({ nonRetryable: false, message: "later" })).toBe("Error (retryable): later");
    expect(describeError({ message: "vars: it failed" })).toBe("vars: it failed");
    expect(describeError({ type: "CanceledFailure", message: "" })).toBe("CanceledFailure");
  });
});
