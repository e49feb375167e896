/**
 * Answers the in-memory double's start requests from a case's mocks: finds the step by the
 * execution's ID, picks the item's or check's result, evaluates an output expression with `$input`
 * (and `$item`, `$index`, `$attempt`), and remembers every call. A step reached without a mock fails
 * with a NoMock failure and is named in the case's result: never a silent null.
 */

import type { SourcePosition } from "../base/source-position.js";
import { evaluateWithBindings } from "../pipeline/expr/evaluate.js";
import { isTruthy } from "../pipeline/expr/truthy.js";
import type { Pipeline } from "../pipeline/model.js";
import type { FailureInfo, Outcome } from "../temporal/types.js";
import { type ExecutionSite, executionSite } from "./execution-site.js";
import type { ExecutionCall, Response } from "./mock-temporal.js";
import type { ItemMock, MockResult, StepMock } from "./test-model.js";

/** A call the case made, by the step's record path. */
export interface RecordedCall {
  readonly site: ExecutionSite;
  readonly input: unknown;
}

/** What went wrong with the test itself (not an expectation): a step without mock, a mock that failed. */
export interface TestProblem {
  readonly path: string;
  readonly message: string;
  /** Where in the test file, when the problem is a mock's own (an item mock never used). */
  readonly position?: SourcePosition;
}

const NO_MOCK_TYPE = "NxrunTestNoMock";
const NO_OUTPUT: MockResult = { output: { kind: "literal", value: null }, afterMs: 0 };

/** True when a mock says how the execution ends (an item mock may give only its compensation). */
function givesResult(result: MockResult): boolean {
  return result.output !== undefined || result.failure !== undefined || result.checks !== undefined;
}

export class Responder {
  readonly calls: RecordedCall[] = [];
  readonly problems: TestProblem[] = [];

  constructor(
    private readonly runId: string,
    private readonly pipeline: Pipeline,
    private readonly mocks: ReadonlyMap<string, StepMock>,
    /** The values a forEach gave, by the step's base execution ID. */
    private readonly itemsOf: (baseId: string) => readonly unknown[] | undefined,
  ) {}

  async respond(call: ExecutionCall): Promise<Response> {
    const site = executionSite(this.runId, this.pipeline, call.id);
    if (!site) return this.problem(call.id, `an execution nxrun test cannot place: ${call.id}`);
    this.calls.push({ site, input: call.input });
    const mock = this.mocks.get(site.stepPath);
    const item = site.index === undefined ? undefined : this.itemsOf(site.baseId)?.[site.index];
    const chosen = mock && (await this.itemMock(mock, site, item, call.input));
    // A compensation's output is read by nothing, so an unmocked one simply completes.
    if (site.compensation) return this.answer(site, chosen?.compensate ?? mock?.compensate ?? NO_OUTPUT, call, item);
    // An item mock that gives only its compensation leaves the item's own result to the step's.
    let result: MockResult | undefined = chosen && !givesResult(chosen) ? mock : chosen;
    if (result?.checks && site.check !== undefined)
      result = result.checks[Math.min(site.check, result.checks.length) - 1];
    if (!result || (result.output === undefined && result.failure === undefined)) {
      const what =
        site.index === undefined ? `step "${site.recordPath}"` : `item ${site.index} of step "${site.stepPath}"`;
      return this.problem(
        site.recordPath,
        `${what} was reached but has no mock; add mocks: { ${site.stepPath}: { output: ... } } to the case`,
      );
    }
    return this.answer(site, result, call, item);
  }

  private async itemMock(
    mock: StepMock,
    site: ExecutionSite,
    item: unknown,
    input: unknown,
  ): Promise<StepMock | ItemMock> {
    if (site.index === undefined || mock.items.length === 0) return mock;
    const byIndex = mock.items.find((m) => m.index === site.index);
    if (byIndex) return byIndex;
    for (const candidate of mock.items) {
      if (candidate.match === undefined) continue;
      const bindings = { input, item, index: site.index };
      if (isTruthy(await evaluateWithBindings(candidate.match, bindings))) return candidate;
    }
    return mock;
  }

  private async answer(
    site: ExecutionSite,
    result: MockResult,
    call: ExecutionCall,
    item?: unknown,
  ): Promise<Response> {
    if (result.failure) {
      const { type, message, nonRetryable, details } = result.failure;
      const failure: FailureInfo = {
        message,
        kind: "application",
        ...(type === undefined ? {} : { type }),
        ...(nonRetryable === undefined ? {} : { nonRetryable }),
        ...(details === undefined ? {} : { details: [details] }),
      };
      return { outcome: { status: "failed", failure }, afterMs: result.afterMs };
    }
    const bindings: Record<string, unknown> = { input: call.input };
    if (site.index !== undefined) Object.assign(bindings, { item, index: site.index });
    if (site.check !== undefined) bindings.attempt = site.check;
    try {
      const output = await evaluateWithBindings(result.output ?? { kind: "literal", value: null }, bindings);
      // An expression with no value is most often a misspelt path ($input.regoin): never a made-up null.
      if (output === undefined)
        return this.problem(
          site.recordPath,
          "the mock's output expression gave no value; check the paths it reads, or write output: null",
        );
      return { outcome: { status: "completed", result: output }, afterMs: result.afterMs };
    } catch (error) {
      return this.problem(site.recordPath, `the mock's output failed: ${(error as Error).message}`);
    }
  }

  private problem(path: string, message: string): Response {
    this.problems.push({ path, message });
    const outcome: Outcome = {
      status: "failed",
      failure: { message: `nxrun test: ${message}`, kind: "application", type: NO_MOCK_TYPE, nonRetryable: true },
    };
    return { outcome, afterMs: 0 };
  }
}
