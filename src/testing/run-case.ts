/**
 * One case: the real engine (runPipeline) against the in-memory double on a virtual clock, confirm
 * steps answered from the case, and what the run did compared with what the case expects.
 */
import { performance } from "node:perf_hooks";
import { ExitCode } from "../base/exit-codes.js";
import { isUserError } from "../base/user-error.js";
import type { Reporter, RunRecord } from "../engine/events.js";
import { exitCodeOf } from "../engine/exit-code.js";
import { runPipeline } from "../engine/run-pipeline.js";
import type { CompiledValue } from "../pipeline/expr/compiled.js";
import { evaluate } from "../pipeline/expr/evaluate.js";
import type { Scope } from "../pipeline/expr/scope.js";
import { isTruthy } from "../pipeline/expr/truthy.js";
import type { Pipeline } from "../pipeline/model.js";
import { redact } from "../report/redact.js";
import { compare, type Mismatch } from "./compare.js";
import { type ItemMockUse, itemMockUses } from "./item-mock-uses.js";
import { MockTemporal } from "./mock-temporal.js";
import { Responder, type TestProblem } from "./responder.js";
import { stepPathOf, stepSites } from "./step-paths.js";
import type { TestCase, TestFile } from "./test-model.js";
import { VirtualClock } from "./virtual-clock.js";

/** The run ID of every case: `$run.id` reads it. */
export const TEST_RUN_ID = "test";

/** What one case reached, for coverage across cases. */
export interface Reached {
  /** Step paths that started. */
  readonly started: readonly string[];
  /** Step paths whose `when` was false at least once (true is seen as the step starting). */
  readonly whenFalse: readonly string[];
  /** The file's shared item mocks by index that this case held, used or not (its own unused fail the case). */
  readonly sharedItemMocks: readonly ItemMockUse[];
}

export interface CaseResult {
  readonly file: string;
  readonly name: string;
  readonly passed: boolean;
  /** What went wrong with the test itself: a step reached without mock, a mock that failed. */
  readonly problems: readonly TestProblem[];
  readonly mismatches: readonly Mismatch[];
  /** Real time the case took, ms. */
  readonly durationMs: number;
  readonly reached: Reached;
}

export async function runCase(testFile: TestFile, testCase: TestCase): Promise<CaseResult> {
  const begin = performance.now();
  const pipeline = withFixedVars(testFile.pipeline, testCase.vars);
  const clock = new VirtualClock(Date.now());
  const items = new Map<string, readonly unknown[]>();
  const watched = watchedValues(pipeline);
  const whenFalse = new Set<string>();
  // Wraps the engine's evaluator: keeps each forEach's values (a mock matches on $item) and each
  // `when`'s answer (coverage), changing nothing of what is evaluated.
  const evaluateWatching = async (value: CompiledValue, scope: Scope): Promise<unknown> => {
    const result = await clock.hold(() => evaluate(value, scope));
    const forEachOf = watched.forEach.get(value);
    if (forEachOf !== undefined && Array.isArray(result)) items.set(`${scope.run.id}.${forEachOf}`, result);
    if (!isTruthy(result)) for (const path of watched.when.get(value) ?? []) whenFalse.add(path);
    return result;
  };
  const responder = new Responder(TEST_RUN_ID, pipeline, testCase.mocks, (baseId) => items.get(baseId));
  const client = new MockTemporal(clock, (call) => clock.hold(() => responder.respond(call)));
  const started: string[] = [];
  const unanswered: TestProblem[] = [];
  const reporter: Reporter = {
    onStepStart: ({ stepId, record }) => {
      if (record.section === "compensate") return;
      const path = stepPathOf(stepId);
      if (!started.includes(path)) started.push(path);
    },
    onConfirm: (request) => {
      const answer = testCase.answers.get(stepPathOf(request.stepId));
      if (answer === undefined) {
        unanswered.push({
          path: request.stepId,
          message: `confirm step "${request.stepId}" was reached but the case has no answer; add answers: { ${stepPathOf(request.stepId)}: true }`,
        });
        return false;
      }
      request.answer(answer);
      return true;
    },
  };

  let record: RunRecord | undefined;
  let exitCode: number;
  const problems: TestProblem[] = [];
  try {
    record = await runPipeline(pipeline, {
      client,
      inputs: { ...testCase.inputs },
      secrets: { ...testCase.secrets },
      reporter,
      runId: TEST_RUN_ID,
      describeRate: 0,
      clock,
      evaluate: evaluateWatching,
    });
    exitCode = exitCodeOf(record, false);
  } catch (error) {
    exitCode = isUserError(error) ? error.exitCode : ExitCode.bug;
    problems.push({ path: "run", message: `the run ended with an error: ${(error as Error).message}` });
  } finally {
    clock.stop();
  }
  problems.push(...responder.problems, ...unanswered);
  const itemMocks = record ? itemMockUses(testCase.mocks.values(), record, whenFalse) : [];
  for (const u of itemMocks)
    if (!u.shared && u.unusedBecause !== undefined)
      problems.push({
        path: `${u.step}[${u.index}]`,
        message: `item ${u.index} of step "${u.step}" is mocked but was never reached: ${u.unusedBecause}`,
        position: u.position,
      });
  const mismatches = record
    ? await compare(testCase.expect, { record, exitCode, started, calls: responder.calls })
    : [];
  // The case's fake secrets are secrets all the same: masked in whatever the result shows.
  const secretValues = Object.values(testCase.secrets);
  const mask = <T>(value: T): T => redact(value, secretValues);
  return {
    file: testFile.file,
    name: testCase.name,
    passed: problems.length === 0 && mismatches.length === 0,
    problems: mask(problems),
    mismatches: mask(mismatches),
    durationMs: performance.now() - begin,
    reached: { started, whenFalse: [...whenFalse], sharedItemMocks: itemMocks.filter((u) => u.shared) },
  };
}

/** The pipeline with the case's vars as fixed values instead of their expressions. */
function withFixedVars(pipeline: Pipeline, vars: Readonly<Record<string, unknown>>): Pipeline {
  if (Object.keys(vars).length === 0) return pipeline;
  return {
    ...pipeline,
    vars: pipeline.vars.map((v) =>
      v.name in vars ? { name: v.name, value: { kind: "literal", value: vars[v.name] } } : v,
    ),
  };
}

/** The forEach and `when` values of every step (the used pipelines' too), by the compiled value. */
function watchedValues(pipeline: Pipeline): {
  forEach: Map<CompiledValue, string>;
  when: Map<CompiledValue, string[]>;
} {
  const forEach = new Map<CompiledValue, string>();
  const when = new Map<CompiledValue, string[]>();
  for (const { path, step } of stepSites(pipeline).values()) {
    if (step.forEach !== undefined) forEach.set(step.forEach, step.id);
    if (step.when !== undefined) when.set(step.when, [...(when.get(step.when) ?? []), path]);
  }
  return { forEach, when };
}
