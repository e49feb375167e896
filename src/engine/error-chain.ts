/**
 * How a failure and its causes read, decided once: each link as `Type (non-retryable): message`,
 * outermost first. The plain lines, the Ink view, JUnit, the Markdown summary and `nxrun status` all
 * show chains with these functions (each lays the links out for its medium: one line, or one per link).
 */
import type { StepError } from "./events.js";

/** The error and its causes, outermost first. Stops at a depth of 20 in case of a cycle. */
export function causeChain(error: StepError): StepError[] {
  const chain: StepError[] = [];
  for (let current: StepError | undefined = error; current && chain.length < 20; current = current.cause) {
    chain.push(current);
  }
  return chain;
}

/** `PaymentDeclined (non-retryable): card declined`. */
export function describeError(error: StepError): string {
  const retry = error.nonRetryable === true ? " (non-retryable)" : error.nonRetryable === false ? " (retryable)" : "";
  const type = error.type ?? "Error";
  return `${type}${retry}: ${error.message}`;
}

/** One line: the error, then `← caused by` each cause. */
export function describeErrorChain(error: StepError): string {
  return causeChain(error).map(describeError).join(" ← caused by ");
}
