import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { knownScope } from "../../../src/pipeline/before-run.js";
import { checkBeforeRun } from "../../../src/pipeline/before-run-check.js";
import type { Diagnostic } from "../../../src/pipeline/diagnostic.js";
import type { CompiledValue } from "../../../src/pipeline/expr/compiled.js";
import { evaluate } from "../../../src/pipeline/expr/evaluate.js";
import type { Scope } from "../../../src/pipeline/expr/scope.js";
import { loadPipeline } from "../../../src/pipeline/load.js";

const dir = mkdtempSync(join(tmpdir(), "nxrun-before-run-"));
const evaluateIn = async (value: CompiledValue, scope: Scope) => evaluate(value, scope);

/** Writes the files, loads `main.yaml`, and checks it with `inputs` as the run's (final) inputs. */
async function check(
  files: Record<string, string>,
  inputs: Record<string, unknown>,
  options: { confirmAnswered?: boolean; inputsFinal?: boolean; confirmCaller?: "cli" | "library" } = {},
): Promise<Diagnostic[]> {
  const sub = mkdtempSync(join(dir, "case-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(sub, name), text);
  const loaded = await loadPipeline(join(sub, "main.yaml"));
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.diagnostics));
  const base: Scope = { inputs, vars: {}, secrets: {}, steps: {}, run: { id: "r", name: "p", startedAt: "t" } };
  const known = await knownScope(loaded.pipeline, base, evaluateIn, {
    secretsKnown: true,
    inputsFinal: options.inputsFinal ?? true,
  });
  return checkBeforeRun(loaded.pipeline, known, evaluateIn, {
    confirmAnswered: options.confirmAnswered ?? true,
    ...(options.confirmCaller === undefined ? {} : { confirmCaller: options.confirmCaller }),
  });
}

const brief = (d: Diagnostic) => [d.code, d.line, d.column, d.message];

describe("checkBeforeRun", () => {
  it("refuses a wait the inputs make neither a duration nor a time, at the expression, with the eval command", async () => {
    const found = await check(
      {
        "main.yaml": `nxrun: 1
name: p
inputs:
  settle: { type: string }
steps:
  - id: first
    activity: echo
    taskQueue: q
  - id: settle
    needs: [first]
    wait: "{% $inputs.settle %}"
`,
      },
      { settle: "5" },
    );
    expect(found.map(brief)).toEqual([
      [
        "NX180",
        11,
        15,
        'step settle: a wait of "5" is neither a duration (500ms, 30s, 5m, 1h30m) nor an ISO 8601 time with a zone (2026-12-01T20:00:00Z)',
      ],
    ]);
    expect(found[0]?.hint).toMatch(/nxrun eval '\$inputs\.settle' --pipeline \S*main\.yaml --step settle --in wait`$/);
  });

  it("finds nothing when the values are right", async () => {
    const files = {
      "main.yaml": `nxrun: 1
name: p
inputs:
  settle: { type: string }
  regions: { type: array }
vars:
  queue: "{% 'deploy-' & $inputs.regions[0] %}"
steps:
  - id: settle
    wait: "{% $inputs.settle %}"
  - id: fan
    forEach: "{% $inputs.regions %}"
    activity: echo
    taskQueue: "{% $vars.queue %}"
    timeouts: { startToClose: "{% $index = 0 ? '30s' : '1m' %}" }
    input: "{% $item %}"
  - id: ask
    confirm: "{% 'deploy to ' & $join($inputs.regions, ', ') %}"
outputs:
  queue: "{% $vars.queue %}"
`,
    };
    expect(await check(files, { settle: "5m", regions: ["eu", "us"] })).toEqual([]);
  });

  it("checks computed settings per forEach item, forEach lists, args, vars, when and outputs", async () => {
    const found = await check(
      {
        "main.yaml": `nxrun: 1
name: p
inputs:
  regions: { type: array }
  n: { type: number }
vars:
  broken: "{% $number('x' & $inputs.n) %}"
steps:
  - id: fan
    forEach: "{% $inputs.regions %}"
    activity: echo
    taskQueue: q
    timeouts: { startToClose: "{% $index = 1 ? $inputs.n : '30s' %}" }
  - id: notList
    forEach: "{% $inputs.n %}"
    activity: echo
    taskQueue: q
  - id: positional
    activity: echo
    taskQueue: q
    args: "{% $inputs.n %}"
  - id: cond
    when: "{% $inputs.n - 'b' %}"
    activity: echo
    taskQueue: q
outputs:
  total: "{% $inputs.n + 'a' %}"
`,
      },
      { regions: ["eu", "us"], n: 5 },
    );
    expect(found.map((d) => [d.code, d.line, d.message.replace(/:.*/s, "")])).toEqual([
      ["NX180", 7, "var broken"],
      ["NX305", 13, "step fan (item 1)"],
      ["NX180", 15, "step notList, forEach"],
      ["NX180", 21, "step positional"],
      ["NX180", 23, "step cond, when"],
      ["NX180", 27, "output total"],
    ]);
    expect(found[1]?.message).toBe(
      "step fan (item 1): timeouts.startToClose must be a positive duration, but the expression gave the number 5",
    );
    expect(found[2]?.message).toBe("step notList, forEach: forEach must give an array, got number 5");
    expect(found[3]?.message).toBe("step positional: args must be an array, got number 5");
  });

  it("skips a step the inputs turn off by when, and leaves what the run alone knows to the run", async () => {
    const found = await check(
      {
        "main.yaml": `nxrun: 1
name: p
inputs:
  settle: { type: string }
  enabled: { type: boolean, default: false }
steps:
  - id: off
    when: "{% $inputs.enabled %}"
    wait: "{% $inputs.settle %}"
  - id: first
    activity: echo
    taskQueue: q
  - id: later
    wait: "{% $steps.first.output.wait %}"
  - id: perItem
    forEach: "{% $steps.first.output.list %}"
    activity: echo
    taskQueue: "{% $item %}"
`,
      },
      { settle: "soon", enabled: false },
    );
    expect(found).toEqual([]);
  });

  it("refuses a confirm step the run is sure to reach when nobody can answer, not one behind a condition", async () => {
    const files = {
      "main.yaml": `nxrun: 1
name: p
inputs:
  risky: { type: boolean, default: true }
steps:
  - id: check
    activity: echo
    taskQueue: q
  - id: approve
    confirm: "deploy?"
  - id: maybe
    when: "{% $steps.check.output.risky %}"
    confirm: "risky: deploy anyway?"
  - id: optional
    confirm: "also clean up?"
    onError: continue
  - id: byInput
    when: "{% $inputs.risky %}"
    confirm: "{% 'risky is ' & $string($inputs.risky) %}"
`,
    };
    const found = await check(files, { risky: true }, { confirmAnswered: false });
    expect(found.map((d) => [d.code, d.line, d.column])).toEqual([
      ["NX181", 9, 5],
      ["NX181", 17, 5],
    ]);
    expect(found[0]?.message).toBe(
      "step approve asks for approval and nobody can answer: there is no terminal to ask on and no --yes",
    );
    expect(found[0]?.hint).toContain("--yes");
    // A program calling runPipeline has no --yes: it is told the option it has.
    const library = await check(files, { risky: true }, { confirmAnswered: false, confirmCaller: "library" });
    expect(library[0]?.message).toBe(
      "step approve asks for approval and nobody can answer: no reporter answers onConfirm and the run's options have no yes: true",
    );
    expect(library[0]?.hint).toBe(
      "set yes: true in the run's options to approve confirm steps, or answer them in a reporter's onConfirm",
    );
    expect(await check(files, { risky: false }, { confirmAnswered: false })).toHaveLength(1);
    expect(await check(files, { risky: true }, { confirmAnswered: true })).toEqual([]);
  });

  it("checks with: of uses against the used pipeline's inputs, per item, and the used pipeline's values with them", async () => {
    const files = {
      "db.yaml": `nxrun: 1
name: db
inputs:
  tenant: { type: string, minLength: 3 }
  settle: { type: string, default: 1s }
steps:
  - id: create
    activity: echo
    taskQueue: "{% 'db-' & $inputs.tenant %}"
  - id: settle
    wait: "{% $inputs.settle %}"
`,
      "main.yaml": `nxrun: 1
name: p
inputs:
  tenants: { type: array }
  settle: { type: string }
steps:
  - id: dbs
    forEach: "{% $inputs.tenants %}"
    uses: ./db.yaml
    with: { tenant: "{% $item %}", settle: "{% $inputs.settle %}" }
`,
    };
    const found = await check(files, { tenants: ["acme", "x"], settle: "later" });
    expect(found.map((d) => [d.code, d.file.endsWith("db.yaml"), d.line, d.message])).toEqual([
      [
        "NX180",
        true,
        11,
        'step dbs.settle: a wait of "later" is neither a duration (500ms, 30s, 5m, 1h30m) nor an ISO 8601 time with a zone (2026-12-01T20:00:00Z)',
      ],
      ["NX179", false, 10, expect.stringMatching(/^step dbs \(item 1\): with: .*tenant/)],
    ]);
    expect(await check(files, { tenants: ["acme", "bravo"], settle: "5s" })).toEqual([]);
  });

  it("leaves inputs not given unknown when they are not final (check --preflight without -i)", async () => {
    const found = await check(
      {
        "main.yaml": `nxrun: 1
name: p
inputs:
  settle: { type: string }
steps:
  - id: settle
    wait: "{% $inputs.settle %}"
`,
      },
      {},
      { inputsFinal: false },
    );
    expect(found).toEqual([]);
  });
});
