/**
 * A pipeline test file (`*.test.yaml`, specs/pipeline-test.schema.json) as `nxrun test` runs it: the
 * pipeline under test, loaded and checked, and its cases with their mocks, answers and expectations.
 * Values that may be `{% %}` expressions are compiled once, when the file is loaded.
 */
import type { SourcePosition } from "../base/source-position.js";
import type { CompiledValue } from "../pipeline/expr/compiled.js";
import type { Pipeline } from "../pipeline/model.js";

/** What one execution of a mocked step ends with. */
export interface MockResult {
  /** The output (a value, or an expression of $input, $item, $index, $attempt); absent with a failure. */
  readonly output?: CompiledValue;
  readonly failure?: {
    readonly type?: string;
    readonly message: string;
    readonly nonRetryable?: boolean;
    readonly details?: unknown;
  };
  /** Virtual time the execution takes, ms. */
  readonly afterMs: number;
  /** repeat: the result of each check in order (the last one again past the end). */
  readonly checks?: readonly MockResult[];
}

/** A forEach item's own result, chosen by index or by a predicate of $item. */
export interface ItemMock extends MockResult {
  readonly index?: number;
  readonly match?: CompiledValue;
  /** This item's compensation; the step's `compensate` when absent. */
  readonly compensate?: MockResult;
  /** Where the test file chooses the item: its `index` (or `match`) value. */
  readonly position: SourcePosition;
}

export interface StepMock extends MockResult {
  /** The step path it mocks: `deploy`, or `db.createDb` inside uses step db. */
  readonly path: string;
  readonly items: readonly ItemMock[];
  readonly compensate?: MockResult;
  readonly position: SourcePosition;
  /** Given under the file's `mocks:` for every case, not by the case itself. */
  readonly shared: boolean;
}

/** An expectation on a value: equal to a literal, or a predicate (an expression of $value). */
export type ValueExpectation = { readonly equals: unknown } | { readonly predicate: CompiledValue };

export interface StepExpectation {
  readonly status?: string;
  readonly output?: ValueExpectation;
  readonly input?: ValueExpectation;
  readonly error?: ValueExpectation;
  readonly calls?: number;
}

export interface Expectations {
  readonly status?: string;
  readonly exitCode?: number;
  /** Per named output, or one predicate of $outputs. */
  readonly outputs?: ReadonlyMap<string, ValueExpectation> | { readonly predicate: CompiledValue };
  readonly error?: ValueExpectation;
  readonly steps: ReadonlyMap<string, StepExpectation>;
  readonly started?: readonly string[];
  readonly startedInOrder?: readonly string[];
  readonly compensations?: readonly string[];
}

export interface TestCase {
  readonly name: string;
  readonly position: SourcePosition;
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly vars: Readonly<Record<string, unknown>>;
  readonly secrets: Readonly<Record<string, string>>;
  readonly answers: ReadonlyMap<string, boolean>;
  /** By step path; the file's shared mocks merged under the case's own. */
  readonly mocks: ReadonlyMap<string, StepMock>;
  readonly expect: Expectations;
}

export interface TestFile {
  readonly file: string;
  readonly pipeline: Pipeline;
  readonly cases: readonly TestCase[];
}

/** Test files end so; `nxrun test DIR` finds them and `nxrun check` tells them from pipelines by it. */
export const TEST_FILE_SUFFIX = /\.test\.ya?ml$/;
