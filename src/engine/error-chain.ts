/**
 * How a failure and its causes read, decided once: each link as `Type (non-retryable): message`,
 * outermost first, each message said once. The plain lines, the Ink view, JUnit, the Markdown summary
 * and `nxrun status` all show chains with these functions (each lays the links out for its medium:
 * one line, or one per link).
 */
import type { StepError } from "./events.js";

/** One link of a chain as shown: its message without the words a cause says again. */
export interface ChainLink extends StepError {
  /**
   * The link before ended with this link's message, which was cut from it: on one line the two read
   * as one sentence (`step 'smoke' failed: AcceptanceFailure: smoke test failed`).
   */
  readonly continues?: boolean;
}

/**
 * A cause's message found inside a longer one counts as a repeat only from this length on: a short
 * message (a code, a number) may occur in another by chance. Equal messages always count.
 */
const REPEAT_MIN_LENGTH = 12;

/**
 * The error and its causes, outermost first, with each message said once: a link whose message
 * ends with its cause's (`step 'x' failed: <cause's message>`) loses that ending, and a cause whose
 * message its link already says shows its type only (or nothing, when the type is the same too).
 * Stops at a depth of 20 in case of a cycle.
 */
export function causeChain(error: StepError): ChainLink[] {
  const chain: Array<StepError & { continues?: boolean }> = [];
  for (let current: StepError | undefined = error, depth = 0; current && depth < 20; current = current.cause, depth++) {
    const link = linkOf(current);
    const outer = chain.at(-1);
    const said = link.message.trim();
    if (outer === undefined || said === "") {
      chain.push(link);
      continue;
    }
    const outerSaid = outer.message.trim();
    if (outerSaid === said) {
      if (link.type !== outer.type || link.nonRetryable !== outer.nonRetryable) chain.push({ ...link, message: "" });
      continue;
    }
    const head = outerSaid.endsWith(said) ? outerSaid.slice(0, -said.length).trimEnd() : undefined;
    if (head?.endsWith(":") && head.slice(0, -1).trim() !== "") {
      outer.message = head.slice(0, -1).trimEnd();
      chain.push({ ...link, continues: true });
    } else if (said.length >= REPEAT_MIN_LENGTH && outerSaid.includes(said)) {
      chain.push({ ...link, message: "" });
    } else {
      chain.push(link);
    }
  }
  return chain;
}

/** A link without its cause (the chain holds the causes). */
function linkOf(error: StepError): StepError {
  const { cause: _cause, ...link } = error;
  return { ...link };
}

/**
 * `PaymentDeclined (non-retryable): card declined`; without a type only the message (nxrun's own
 * errors have none, and `Error:` would say nothing); without a message only the type.
 */
export function describeError(error: StepError): string {
  const retry = error.nonRetryable === true ? " (non-retryable)" : error.nonRetryable === false ? " (retryable)" : "";
  const type = error.type === undefined && retry === "" ? undefined : `${error.type ?? "Error"}${retry}`;
  if (type === undefined) return error.message;
  return error.message.trim() === "" ? type : `${type}: ${error.message}`;
}

/** One line: the error, then `← caused by` each cause (a link that continues its outer one after `: `). */
export function describeErrorChain(error: StepError): string {
  let line = "";
  for (const [depth, link] of causeChain(error).entries()) {
    if (depth > 0) line += link.continues ? ": " : " ← caused by ";
    line += describeError(link);
  }
  return line;
}
