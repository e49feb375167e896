/**
 * Loading a test file: YAML with positions → specs/pipeline-test.schema.json → the pipeline under
 * test → cases whose mocks, answers and expectations name steps the pipeline has and fit them. Every
 * problem is a diagnostic placed in the test file (NX4xx, docs/testing.md), never only the first.
 */
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import type { Node } from "yaml";
import type { SourcePosition } from "../base/source-position.js";
import { compileAt } from "../pipeline/compile-node.js";
import type { Diagnostic } from "../pipeline/diagnostic.js";
import { Codes } from "../pipeline/diagnostic-codes.js";
import { DiagnosticList, sortDiagnostics } from "../pipeline/diagnostic-list.js";
import { didYouMean } from "../pipeline/did-you-mean.js";
import { parseDuration } from "../pipeline/duration.js";
import { parseTemplate } from "../pipeline/expr/template.js";
import { resolveInputs } from "../pipeline/inputs/resolve.js";
import { loadPipeline, reportYamlError } from "../pipeline/load.js";
import type { Pipeline } from "../pipeline/model.js";
import { reportSchemaErrors } from "../pipeline/schema-errors.js";
import { type JsonPath, YamlFile } from "../pipeline/yaml-source.js";
import { type StepSite, stepPathOf, stepSites } from "./step-paths.js";
import type {
  Expectations,
  ItemMock,
  MockResult,
  StepExpectation,
  StepMock,
  TestCase,
  TestFile,
  ValueExpectation,
} from "./test-model.js";
import { testFileValidator } from "./test-schema.js";

export type TestFileResult = { ok: true; testFile: TestFile } | { ok: false; diagnostics: Diagnostic[] };

type Raw = Record<string, unknown>;

/** Reads and checks a test file and the pipeline it names. */
export async function loadTestFile(path: string): Promise<TestFileResult> {
  const file = resolve(path);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message;
    const diagnostic: Diagnostic = {
      code: Codes.fileUnreadable,
      severity: "error",
      message: `cannot read ${path}: ${reason}`,
      hint: "check the path",
      file,
      line: 0,
      column: 0,
    };
    return { ok: false, diagnostics: [diagnostic] };
  }
  const out = new DiagnosticList();
  const src = new YamlFile(file, text);
  if (src.doc.errors.length > 0) {
    for (const error of src.doc.errors) reportYamlError(src, error, out);
    return { ok: false, diagnostics: sortDiagnostics(out.items) };
  }
  const root = src.doc.toJS() as unknown;
  const validate = testFileValidator();
  if (!validate(root)) {
    reportSchemaErrors(validate.errors ?? [], src, root, out);
    if (out.items.length === 0)
      out.error(Codes.notAMapping, "a test file is a mapping of nxrun-test:, pipeline: and cases:", src.positionAt(0));
    return { ok: false, diagnostics: sortDiagnostics(out.items) };
  }
  const raw = root as Raw;
  const loaded = await loadPipeline(resolve(dirname(file), String(raw.pipeline)));
  if (!loaded.ok) {
    const errors = loaded.diagnostics.filter((d) => d.severity === "error");
    out.error(
      Codes.testPipeline,
      `the pipeline under test has ${errors.length === 1 ? "an error" : `${errors.length} errors`}: ${errors[0]?.message ?? "it cannot be loaded"}`,
      src.valuePosition(["pipeline"]),
      `nxrun check ${String(raw.pipeline)} shows ${errors.length === 1 ? "it" : "them all"}`,
    );
    return { ok: false, diagnostics: sortDiagnostics(out.items) };
  }
  const builder = new CaseBuilder(src, loaded.pipeline, out);
  const cases = await builder.cases(raw);
  if (out.hasErrors) return { ok: false, diagnostics: sortDiagnostics(out.items) };
  return { ok: true, testFile: { file, pipeline: loaded.pipeline, cases } };
}

/** Builds the cases of one file, reporting what does not fit the pipeline into `out`. */
class CaseBuilder {
  private readonly sites: Map<string, StepSite>;
  private readonly seen = new Set<Node>();

  constructor(
    private readonly src: YamlFile,
    private readonly pipeline: Pipeline,
    private readonly out: DiagnosticList,
  ) {
    this.sites = stepSites(pipeline);
  }

  async cases(raw: Raw): Promise<TestCase[]> {
    const sharedMocks = this.mocks(raw.mocks as Raw | undefined, ["mocks"]);
    const sharedAnswers = this.answers(raw.answers as Raw | undefined, ["answers"]);
    const names = new Set<string>();
    const cases: TestCase[] = [];
    const list = raw.cases as Raw[];
    for (const [index, entry] of list.entries()) {
      const at: JsonPath = ["cases", index];
      const name = String(entry.name);
      if (names.has(name)) {
        this.out.error(
          Codes.testDuplicateCase,
          `two cases are named "${name}"`,
          this.src.valuePosition([...at, "name"]),
          "give each case its own name: reports tell them apart by it",
        );
      }
      names.add(name);
      const mocks = new Map(sharedMocks);
      for (const [path, mock] of this.mocks(entry.mocks as Raw | undefined, [...at, "mocks"])) mocks.set(path, mock);
      const answers = new Map(sharedAnswers);
      for (const [path, answer] of this.answers(entry.answers as Raw | undefined, [...at, "answers"]))
        answers.set(path, answer);
      cases.push({
        name,
        position: this.src.positionOf(this.src.nodeAt(at).node),
        inputs: await this.inputs(entry.inputs as Raw | undefined, at),
        vars: this.vars(entry.vars as Raw | undefined, at),
        secrets: this.secrets(entry.secrets as Record<string, string> | undefined, at),
        answers,
        mocks,
        expect: this.expect((entry.expect as Raw | undefined) ?? {}, [...at, "expect"]),
      });
    }
    return cases;
  }

  /** The case's inputs with the pipeline's defaults, checked against each input's schema. */
  private async inputs(given: Raw | undefined, at: JsonPath): Promise<Record<string, unknown>> {
    const resolved = await resolveInputs(this.pipeline, { values: given ?? {} });
    if (resolved.ok) return resolved.values;
    const place = given === undefined ? this.src.keyOrValuePosition([...at, "name"]) : this.keyAt([...at, "inputs"]);
    for (const d of resolved.diagnostics) {
      const hint = d.code === Codes.missingInput ? "give it under inputs: of the case" : d.hint;
      this.out.error(Codes.testCaseValues, d.message, place, hint);
    }
    return {};
  }

  private vars(given: Raw | undefined, at: JsonPath): Record<string, unknown> {
    const declared = this.pipeline.vars.map((v) => v.name);
    for (const name of Object.keys(given ?? {})) {
      if (declared.includes(name)) continue;
      this.out.error(
        Codes.testCaseValues,
        `the pipeline has no var "${name}"`,
        this.keyAt([...at, "vars", name]),
        didYouMean(name, declared) ?? `its vars: ${declared.join(", ") || "none"}`,
      );
    }
    return given ?? {};
  }

  /** The case's fake secret values; a secret the case leaves out reads as `<secret NAME>`. */
  private secrets(given: Record<string, string> | undefined, at: JsonPath): Record<string, string> {
    const declared = Object.keys(this.pipeline.secrets);
    const values: Record<string, string> = {};
    for (const name of declared) values[name] = `<secret ${name}>`;
    for (const [name, value] of Object.entries(given ?? {})) {
      if (!declared.includes(name)) {
        this.out.error(
          Codes.testCaseValues,
          `the pipeline has no secret "${name}"`,
          this.keyAt([...at, "secrets", name]),
          didYouMean(name, declared) ?? `its secrets: ${declared.join(", ") || "none"}`,
        );
      }
      values[name] = value;
    }
    return values;
  }

  private answers(given: Raw | undefined, at: JsonPath): Map<string, boolean> {
    const answers = new Map<string, boolean>();
    for (const [path, value] of Object.entries(given ?? {})) {
      const site = this.site(path, [...at, path], "confirm");
      if (site && site.step.call.kind !== "confirm") {
        this.out.error(
          Codes.testMockKind,
          `step "${path}" is not a confirm step; answers are for confirm steps`,
          this.keyAt([...at, path]),
          `confirm steps: ${this.pathsOfKind("confirm").join(", ") || "none"}`,
        );
      }
      answers.set(path, value === true);
    }
    return answers;
  }

  private mocks(given: Raw | undefined, at: JsonPath): Map<string, StepMock> {
    const mocks = new Map<string, StepMock>();
    for (const [path, value] of Object.entries(given ?? {})) {
      const here = [...at, path];
      const site = this.site(path, here, "mock");
      const raw = value as Raw;
      if (site) this.checkMockFits(site, raw, here);
      mocks.set(path, {
        ...this.result(raw, here),
        path,
        items: ((raw.items as Raw[] | undefined) ?? []).map((item, i) => this.item(item, [...here, "items", i])),
        ...(raw.compensate === undefined
          ? {}
          : { compensate: this.result(raw.compensate as Raw, [...here, "compensate"]) }),
        position: this.keyAt(here),
      });
    }
    return mocks;
  }

  private checkMockFits(site: StepSite, raw: Raw, at: JsonPath): void {
    const { step, path } = site;
    const kind = step.call.kind;
    const misfit = (message: string, key: string | undefined, hint: string) =>
      this.out.error(Codes.testMockKind, message, this.keyAt(key === undefined ? at : [...at, key]), hint);
    if (kind === "confirm")
      misfit(
        `step "${path}" is a confirm step: it is answered, not mocked`,
        undefined,
        `answer it: answers: { ${path}: true }`,
      );
    else if (kind === "wait")
      misfit(
        `step "${path}" is a wait step: it takes no time in a test and needs no mock`,
        undefined,
        "remove the mock",
      );
    else if (kind === "uses")
      misfit(
        `step "${path}" runs a pipeline: mock the steps of that pipeline`,
        undefined,
        `by their dotted IDs: ${this.pathsUnder(path).join(", ")}`,
      );
    if (raw.items !== undefined && step.forEach === undefined)
      misfit(
        `step "${path}" has no forEach, so it has no items to mock`,
        "items",
        "give its output or failure instead",
      );
    const checks =
      raw.checks !== undefined || ((raw.items as Raw[] | undefined) ?? []).some((i) => i.checks !== undefined);
    if (checks && step.repeat === undefined)
      misfit(
        `step "${path}" has no repeat, so it has no checks to mock`,
        "checks",
        "give its output or failure instead",
      );
    if (raw.compensate !== undefined && step.compensate === undefined)
      misfit(
        `step "${path}" has no compensate, so there is no compensation to mock`,
        "compensate",
        "remove compensate: from the mock",
      );
  }

  private item(raw: Raw, at: JsonPath): ItemMock {
    if (raw.index === undefined && raw.match === undefined) {
      this.out.error(
        Codes.testMockShape,
        "an item mock needs index or match to say which items it is for",
        this.src.valuePosition(at),
        "index: 0, or match: \"{% $item = 'eu-west-1' %}\"",
      );
    }
    return {
      ...this.result(raw, at),
      ...(typeof raw.index === "number" ? { index: raw.index } : {}),
      ...(raw.match === undefined ? {} : { match: compileAt(this.src, [...at, "match"], this.out, this.seen) }),
    };
  }

  private result(raw: Raw, at: JsonPath): MockResult {
    if ("output" in raw && raw.failure !== undefined) {
      this.out.error(
        Codes.testMockShape,
        "a mock gives output or failure, not both",
        this.keyAt([...at, "failure"]),
        "keep one: an execution either returns or fails",
      );
    }
    const failure = raw.failure as MockResult["failure"] | undefined;
    return {
      ...("output" in raw ? { output: compileAt(this.src, [...at, "output"], this.out, this.seen) } : {}),
      ...(failure === undefined ? {} : { failure }),
      afterMs: typeof raw.after === "string" ? (parseDuration(raw.after) ?? 0) : 0,
      ...(raw.checks === undefined
        ? {}
        : { checks: (raw.checks as Raw[]).map((check, i) => this.result(check, [...at, "checks", i])) }),
    };
  }

  private expect(raw: Raw, at: JsonPath): Expectations {
    const steps = new Map<string, StepExpectation>();
    for (const [path, value] of Object.entries((raw.steps as Raw | undefined) ?? {})) {
      const here = [...at, "steps", path];
      this.site(stepPathOf(path), here, "expect");
      if (typeof value === "string") {
        steps.set(path, { status: value });
        continue;
      }
      const e = value as Raw;
      steps.set(path, {
        ...(typeof e.status === "string" ? { status: e.status } : {}),
        ...(e.output === undefined ? {} : { output: this.valueExpectation(e.output, [...here, "output"]) }),
        ...(e.input === undefined ? {} : { input: this.valueExpectation(e.input, [...here, "input"]) }),
        ...(e.error === undefined ? {} : { error: this.valueExpectation(e.error, [...here, "error"]) }),
        ...(typeof e.calls === "number" ? { calls: e.calls } : {}),
      });
    }
    for (const key of ["started", "startedInOrder", "compensations"] as const) {
      for (const [i, path] of ((raw[key] as string[] | undefined) ?? []).entries()) {
        const site = this.site(path, [...at, key, i], "expect");
        if (key === "compensations" && site && site.step.compensate === undefined) {
          this.out.error(
            Codes.testMockKind,
            `step "${path}" has no compensate, so no compensation of it can run`,
            this.src.valuePosition([...at, key, i]),
            `steps with a compensation: ${this.pathsWithCompensation().join(", ") || "none"}`,
          );
        }
      }
    }
    return {
      ...(typeof raw.status === "string" ? { status: raw.status } : {}),
      ...(typeof raw.exitCode === "number" ? { exitCode: raw.exitCode } : {}),
      ...(raw.outputs === undefined ? {} : { outputs: this.outputs(raw.outputs, [...at, "outputs"]) }),
      ...(raw.error === undefined ? {} : { error: this.valueExpectation(raw.error, [...at, "error"]) }),
      steps,
      ...(raw.started === undefined ? {} : { started: raw.started as string[] }),
      ...(raw.startedInOrder === undefined ? {} : { startedInOrder: raw.startedInOrder as string[] }),
      ...(raw.compensations === undefined ? {} : { compensations: raw.compensations as string[] }),
    };
  }

  private outputs(raw: unknown, at: JsonPath): Expectations["outputs"] {
    if (typeof raw === "string" && parseTemplate(raw))
      return { predicate: compileAt(this.src, at, this.out, this.seen) };
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      this.out.error(
        Codes.wrongType,
        "expect.outputs is a mapping of output names to values, or one predicate of $outputs",
        this.src.valuePosition(at),
        'e.g. outputs: { deployed: [us-east-1] } or outputs: "{% $outputs.healthy %}"',
      );
      return new Map();
    }
    const declared = this.pipeline.outputs.map((o) => o.name);
    const outputs = new Map<string, ValueExpectation>();
    for (const [name, value] of Object.entries(raw)) {
      if (!declared.includes(name)) {
        this.out.error(
          Codes.testUnknownStep,
          `the pipeline has no output "${name}"`,
          this.keyAt([...at, name]),
          didYouMean(name, declared) ?? `its outputs: ${declared.join(", ") || "none"}`,
        );
      }
      outputs.set(name, this.valueExpectation(value, [...at, name]));
    }
    return outputs;
  }

  /** A `{% %}` string is a predicate of $value; anything else must equal the actual value. */
  private valueExpectation(raw: unknown, at: JsonPath): ValueExpectation {
    if (typeof raw === "string" && parseTemplate(raw))
      return { predicate: compileAt(this.src, at, this.out, this.seen) };
    return { equals: raw };
  }

  /** The step at `path`, or undefined after reporting that the pipeline has none. */
  private site(path: string, at: JsonPath, use: "mock" | "confirm" | "expect"): StepSite | undefined {
    const site = this.sites.get(path);
    if (site) return site;
    const candidates =
      use === "mock"
        ? [...this.sites.values()]
            .filter((s) => s.step.call.kind === "activity" || s.step.call.kind === "nexus")
            .map((s) => s.path)
        : use === "confirm"
          ? this.pathsOfKind("confirm")
          : [...this.sites.keys()];
    const position = typeof at[at.length - 1] === "number" ? this.src.valuePosition(at) : this.keyAt(at);
    this.out.error(
      Codes.testUnknownStep,
      `pipeline ${this.pipeline.name} has no step "${path}"`,
      position,
      didYouMean(path, candidates) ?? `its steps: ${candidates.join(", ") || "none"}`,
    );
    return undefined;
  }

  private pathsOfKind(kind: string): string[] {
    return [...this.sites.values()].filter((s) => s.step.call.kind === kind).map((s) => s.path);
  }

  private pathsUnder(path: string): string[] {
    return [...this.sites.keys()].filter((p) => p.startsWith(`${path}.`));
  }

  private pathsWithCompensation(): string[] {
    return [...this.sites.values()].filter((s) => s.step.compensate !== undefined).map((s) => s.path);
  }

  private keyAt(path: JsonPath): SourcePosition {
    return this.src.keyOrValuePosition(path);
  }
}
