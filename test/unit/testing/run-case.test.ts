// A case runs the real engine against the in-memory double: what it does when a mock or answer is
// missing, virtual time, secrets, and the parts of a run the examples do not reach.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { runTests } from "../../../src/testing/run-tests.js";

/** Writes `pipeline` and a test file with `tests` beside it; returns the test file's path. */
function files(pipeline: string, tests: string): string {
  const dir = mkdtempSync(join(tmpdir(), "nxrun-case-"));
  writeFileSync(join(dir, "p.yaml"), `nxrun: 1\nname: p\ndefaults: { taskQueue: q }\n${pipeline}`);
  const path = join(dir, "p.test.yaml");
  writeFileSync(path, `nxrun-test: 1\npipeline: ./p.yaml\n${tests}`);
  return path;
}

const PIPELINE = `
secrets:
  token: { env: DEPLOY_TOKEN }
steps:
  - id: build
    activity: Build
    input: { token: "{% $secrets.token %}" }
  - id: approve
    confirm: ship?
    needs: [build]
  - id: pause
    wait: 2h
    needs: [approve]
  - id: ship
    needs: [pause]
    when: "{% $steps.build.output.ok %}"
    activity: Ship
finally:
  - id: report
    activity: Report
    input: { status: "{% $run.status %}" }
outputs:
  shipped: "{% $steps.ship.status = 'completed' %}"
`;

describe("a case", () => {
  it("of a failed run sees the outputs it produced, and not those built on the failed step", async () => {
    const pipeline = `steps:
  - id: build
    activity: Build
  - id: deploy
    needs: [build]
    activity: Deploy
outputs:
  image: "{% $steps.build.output.image %}"
  url: "{% $steps.deploy.output.url %}"
`;
    const mocks = "mocks: { build: { output: { image: app:1 } }, deploy: { failure: { message: no room } } }\n";
    const produced = files(
      pipeline,
      `${mocks}cases:\n  - name: a\n    expect: { status: failed, outputs: { image: app:1 } }\n`,
    );
    expect((await runTests([produced])).cases[0]?.passed).toBe(true);
    const lost = files(pipeline, `${mocks}cases:\n  - name: a\n    expect: { outputs: { url: x } }\n`);
    const [result] = (await runTests([lost])).cases;
    expect(result?.passed).toBe(false);
    expect(JSON.stringify(result?.mismatches)).toContain("outputs.url");
  });

  it("fails naming a step it reaches without a mock, and the run goes on as with a failed step", async () => {
    const path = files(PIPELINE, "cases:\n  - name: no mocks\n    expect: { status: failed }\n");
    const run = await runTests([path]);
    const [result] = run.cases;
    expect(result?.passed).toBe(false);
    expect(result?.mismatches).toEqual([]);
    expect(result?.problems.map((p) => p.path)).toEqual(["build", "report"]);
    expect(result?.problems[0]?.message).toMatch(/step "build" was reached but has no mock; add mocks: \{ build:/);
  });

  it("fails naming the step whose mock expression gives no value, and null stays null", async () => {
    const pipeline = "steps:\n  - id: build\n    activity: Build\n    input: { region: eu }\n";
    const typo = files(pipeline, 'cases:\n  - name: typo\n    mocks: { build: { output: "{% $input.regoin %}" } }\n');
    const [result] = (await runTests([typo])).cases;
    expect(result?.passed).toBe(false);
    expect(result?.problems).toEqual([
      { path: "build", message: expect.stringContaining("the mock's output expression gave no value") },
    ]);
    const empty = files(pipeline, "cases:\n  - name: empty\n    mocks: { build: { output: null } }\n");
    expect((await runTests([empty])).cases[0]?.passed).toBe(true);
  });

  it("fails naming a confirm step it reaches without an answer", async () => {
    const path = files(
      PIPELINE,
      "mocks: { build: { output: { ok: true } }, report: { output: 1 } }\ncases:\n  - name: no answer\n",
    );
    const [result] = (await runTests([path])).cases;
    expect(result?.problems).toEqual([
      {
        path: "approve",
        message: expect.stringContaining('confirm step "approve" was reached but the case has no answer'),
      },
    ]);
  });

  it("waits two hours of virtual time at once, and records the when it saw false", async () => {
    const path = files(
      PIPELINE,
      `answers: { approve: true }
mocks: { build: { output: { ok: true } }, ship: { output: done }, report: { output: 1 } }
cases:
  - name: ships after the pause
    expect:
      status: completed
      outputs: { shipped: true }
      # The wait ended two hours after it began in virtual time: still far ahead of the real clock.
      steps:
        pause: { status: completed, output: "{% $toMillis($value.until) - $millis() > 7000000 %}" }
        report: { input: { status: completed } }
      startedInOrder: [build, approve, pause, ship, report]
  - name: a build that is not ok skips the ship
    mocks: { build: { output: { ok: false } } }
    expect:
      outputs: { shipped: false }
      steps: { ship: skipped }
`,
    );
    const run = await runTests([path]);
    expect(run.cases.map((c) => [c.name, c.passed, c.problems, c.mismatches])).toEqual([
      ["ships after the pause", true, [], []],
      ["a build that is not ok skips the ship", true, [], []],
    ]);
    expect(run.unreached).toEqual([]);
  });

  it("lists what no case reached: a step never started, a when never false", async () => {
    const path = files(
      PIPELINE,
      `answers: { approve: false }
mocks: { build: { output: { ok: true } }, report: { output: 1 } }
cases:
  - name: declined
    expect: { status: failed }
`,
    );
    const run = await runTests([path]);
    expect(run.unreached.map((u) => `${u.step} ${u.what}`)).toEqual([
      "pause never started",
      "ship never started",
      "ship when never false",
    ]);
  });

  it("masks the case's secret values in what it reports", async () => {
    const path = files(
      PIPELINE,
      `answers: { approve: true }
mocks: { build: { output: { ok: true } }, ship: { output: done }, report: { output: 1 } }
cases:
  - name: shows the token
    secrets: { token: s3cr3t-value }
    expect:
      steps: { build: { input: { token: something-else } } }
`,
    );
    const [result] = (await runTests([path])).cases;
    expect(result?.mismatches).toEqual([
      { path: "steps.build.input.token", expected: "something-else", actual: "***" },
    ]);
    expect(JSON.stringify(result)).not.toContain("s3cr3t-value");
  });

  it("runs a repeat's checks in order, counts them, and fails at the limit", async () => {
    const path = files(
      `steps:
  - id: poll
    activity: Poll
    repeat: { until: "{% $output.ready %}", every: 10m, limit: 3 }
`,
      `cases:
  - name: ready on the third check
    mocks: { poll: { checks: [{ output: { ready: false } }, { output: { ready: false } }, { output: { ready: true } }] } }
    expect: { status: completed, steps: { poll: { status: completed, calls: 3 } } }
  - name: never ready
    mocks: { poll: { checks: [{ output: { ready: false } }] } }
    expect: { status: failed, steps: { poll: { calls: 3, error: { type: RepeatLimitReached } } } }
`,
    );
    const run = await runTests([path]);
    expect(run.cases.map((c) => [c.name, c.passed, c.problems, c.mismatches])).toEqual([
      ["ready on the third check", true, [], []],
      ["never ready", true, [], []],
    ]);
  });

  it("tolerates forEach failures as the pipeline allows, and continues past onError: continue", async () => {
    const path = files(
      `steps:
  - id: each
    forEach: "{% [1, 2, 3, 4] %}"
    toleratedFailures: 1
    activity: Each
  - id: optional
    onError: continue
    activity: Optional
  - id: last
    needs: [each, optional]
    activity: Last
outputs:
  each: "{% $steps.each.output %}"
`,
      `mocks:
  each: { output: "{% $item * 10 %}", items: [{ index: 2, failure: { message: three failed } }] }
  optional: { failure: { message: not this time } }
  last: { output: ok }
cases:
  - name: one tolerated failure
    expect:
      status: completed
      outputs: { each: [10, 20, null, 40] }
      steps: { "each[2]": failed, optional: failed, last: completed }
`,
    );
    const [result] = (await runTests([path])).cases;
    expect([result?.problems, result?.mismatches]).toEqual([[], []]);
  });
});

describe("virtual time", () => {
  it("does not pass while slow expressions run: two in a row do not make a 1m run time out", async () => {
    // Each sum runs long enough that evaluate.ts yields a turn of the event loop after it; the run's
    // 1m timer must not fire in those turns, as nothing in the run waits.
    const path = files(
      `timeout: 1m
steps:
  - id: a
    activity: A
    input: { n: "{% $sum([1..1000000]) %}" }
`,
      'cases:\n  - name: a\n    mocks: { a: { output: "{% $sum([1..1000000]) %}" } }\n    expect: { status: completed }\n',
    );
    const [result] = (await runTests([path])).cases;
    expect([result?.problems, result?.mismatches]).toEqual([[], []]);
  });
});

describe("a forEach step's compensation", () => {
  const UNDO = `steps:
  - id: deploy
    forEach: "{% ['a', 'b', 'c'] %}"
    activity: Deploy
    compensate: { activity: Undeploy }
  - id: verify
    needs: [deploy]
    activity: Verify
`;

  it("is mocked per item, by index or match, the others by the step's; $item is the item undone", async () => {
    const path = files(
      UNDO,
      `mocks:
  deploy: { output: "{% $item %}", compensate: { output: "{% $item %}" } }
  verify: { failure: { message: unhealthy } }
cases:
  - name: every item undone
    expect: { status: failed, steps: { deploy: compensated, "deploy[1]": compensated }, compensations: [deploy] }
  - name: item 1's undo fails by index
    mocks:
      deploy:
        output: "{% $item %}"
        items: [{ index: 1, compensate: { failure: { message: stuck } } }]
    expect:
      steps: { deploy: compensationFailed, "deploy[0]": compensated, "deploy[1]": compensationFailed, "deploy[2]": compensated }
  - name: item c's undo fails by match
    mocks:
      deploy:
        output: "{% $item %}"
        items: [{ match: "{% $item = 'c' %}", compensate: { failure: { message: stuck } } }]
    expect:
      steps: { "deploy[1]": compensated, "deploy[2]": compensationFailed }
`,
    );
    const run = await runTests([path]);
    expect(run.diagnostics).toEqual([]);
    expect(run.cases.map((c) => [c.name, c.problems, c.mismatches])).toEqual([
      ["every item undone", [], []],
      ["item 1's undo fails by index", [], []],
      ["item c's undo fails by match", [], []],
    ]);
  });
});

describe("a forEach's concurrency on the virtual clock", () => {
  it("holds items back: four 1m items two at a time outlast a 90s run timeout, four at a time do not", async () => {
    const pipeline = (concurrency: number) => `timeout: 90s
steps:
  - id: each
    forEach: "{% [1, 2, 3, 4] %}"
    concurrency: ${concurrency}
    activity: Each
`;
    const tests =
      "mocks: { each: { output: done, after: 1m } }\ncases:\n  - name: a\n    expect: { status: completed }\n";
    const [twoAtATime] = (await runTests([files(pipeline(2), tests)])).cases;
    expect(twoAtATime?.mismatches).toEqual([{ path: "status", expected: "completed", actual: "timedOut" }]);
    const [fourAtATime] = (await runTests([files(pipeline(4), tests)])).cases;
    expect([fourAtATime?.problems, fourAtATime?.mismatches]).toEqual([[], []]);
  });
});

describe("an item mock by index", () => {
  const FOR_EACH = `inputs:
  regions: { type: array, default: [a, b, c] }
  go: { type: boolean, default: true }
  first: { type: boolean, default: true }
steps:
  - id: first
    activity: First
  - id: deploy
    needs: [first]
    when: "{% $inputs.go %}"
    forEach: "{% $inputs.regions %}"
    concurrency: 1
    activity: Deploy
`;
  const mocked = (index: number, extra = "") =>
    `    mocks:\n      first: { output: 1 }\n      deploy:\n        output: ok\n        items:\n          - index: ${index}\n            output: mine\n${extra}`;

  it("past the end of the list fails the case with the index, the items and where the mock is", async () => {
    const path = files(FOR_EACH, `cases:\n  - name: seven of three\n${mocked(7)}  - name: two of three\n${mocked(2)}`);
    const [seven, two] = (await runTests([path])).cases;
    expect(seven?.passed).toBe(false);
    expect(seven?.problems).toEqual([
      {
        path: "deploy[7]",
        message: 'item 7 of step "deploy" is mocked but was never reached: its forEach had 3 items (indexes 0 to 2)',
        position: { file: path, line: 10, column: 13 },
      },
    ]);
    expect([two?.passed, two?.problems]).toEqual([true, []]);
  });

  it("of a step that never ran says why instead: its when, the run failing before it, the forEach failing", async () => {
    const path = files(
      FOR_EACH.replace(
        'forEach: "{% $inputs.regions %}"',
        "forEach: \"{% $inputs.regions ? $inputs.regions : $error('no regions') %}\"",
      ),
      `cases:
  - name: when false
    inputs: { go: false }
${mocked(0)}  - name: run failed first
    mocks:
      first: { failure: { message: down } }
      deploy: { output: ok, items: [{ index: 0, output: mine }] }
  - name: no list
    inputs: { regions: [] }
${mocked(0)}`,
    );
    const run = await runTests([path]);
    expect(run.cases.map((c) => [c.name, c.problems.map((p) => `${p.path}: ${p.message}`)])).toEqual([
      [
        "when false",
        [
          'deploy[0]: item 0 of step "deploy" is mocked but was never reached: the step never ran in this case (its when was false)',
        ],
      ],
      [
        "run failed first",
        [
          'deploy[0]: item 0 of step "deploy" is mocked but was never reached: the step never ran in this case (the run failed before it started)',
        ],
      ],
      [
        "no list",
        [
          expect.stringMatching(
            /^deploy\[0\]: item 0 of step "deploy" is mocked but was never reached: the step never ran in this case \(it failed before listing its items: .*no regions/,
          ),
        ],
      ],
    ]);
  });

  it("inside the list but not started, because the forEach stopped at a failure, is used: the case checks that", async () => {
    const path = files(
      FOR_EACH,
      `cases:
  - name: stops at the first failure
    mocks:
      first: { output: 1 }
      deploy:
        output: ok
        items: [{ index: 0, failure: { message: broke } }, { index: 2, output: never }]
    expect: { status: failed, steps: { "deploy[2]": skipped } }
`,
    );
    const [result] = (await runTests([path])).cases;
    expect([result?.problems, result?.mismatches]).toEqual([[], []]);
  });

  it("of a step run in several sub-pipelines counts the longest list", async () => {
    const path = files(
      `steps:
  - id: each
    forEach: "{% [['x'], ['x', 'y']] %}"
    uses: ./sub.yaml
    with: { names: "{% $item %}" }
`,
      `mocks: { each.make: { output: ok } }
cases:
  - name: index 1 is reached in the second run
    mocks: { each.make: { output: ok, items: [{ index: 1, output: second }] } }
  - name: index 2 is not
    mocks: { each.make: { output: ok, items: [{ index: 2, output: third }] } }
`,
    );
    writeFileSync(
      join(dirname(path), "sub.yaml"),
      'nxrun: 1\nname: sub\ndefaults: { taskQueue: q }\ninputs:\n  names: { type: array }\nsteps:\n  - id: make\n    forEach: "{% $inputs.names %}"\n    activity: Make\n',
    );
    const run = await runTests([path]);
    expect(run.diagnostics).toEqual([]);
    expect(run.cases.map((c) => [c.name, c.problems.map((p) => p.message)])).toEqual([
      ["index 1 is reached in the second run", []],
      [
        "index 2 is not",
        [
          'item 2 of step "each.make" is mocked but was never reached: its forEach had 2 items (indexes 0 to 1) at most, in 2 runs',
        ],
      ],
    ]);
  });

  it("shared by the file fails no case, and is listed when no case used it", async () => {
    const shared = `mocks:
  first: { output: 1 }
  deploy: { output: ok, items: [{ index: 4, output: five }] }
cases:
  - name: three regions
  - name: when false
    inputs: { go: false }
`;
    const unused = await runTests([files(FOR_EACH, shared)]);
    expect(unused.cases.map((c) => c.passed)).toEqual([true, true]);
    expect(unused.unusedSharedMocks).toEqual([
      { step: "deploy", index: 4, position: expect.objectContaining({ line: 5, column: 35 }) },
    ]);
    const used = await runTests([
      files(FOR_EACH, `${shared}  - name: five regions\n    inputs: { regions: [a, b, c, d, e] }\n`),
    ]);
    expect([used.cases.every((c) => c.passed), used.unusedSharedMocks]).toEqual([true, []]);
  });
});

describe("an expectation's predicate", () => {
  it("that gives no value says so, with where it is; one that is false says it is false", async () => {
    const path = files(
      'steps:\n  - id: build\n    activity: Build\noutputs:\n  image: "{% $steps.build.output %}"\n',
      `mocks: { build: { output: { tag: v1 } } }
cases:
  - name: misspelt
    expect: { outputs: { image: "{% $value.tga %}" } }
  - name: is false
    expect: { outputs: { image: "{% $value.tag = 'v2' %}" } }
  - name: holds
    expect: { outputs: { image: "{% $value.tag = 'v1' %}" } }
`,
    );
    const run = await runTests([path]);
    expect(run.cases.map((c) => [c.name, c.mismatches])).toEqual([
      [
        "misspelt",
        [
          {
            path: "outputs.image",
            expected: "{% $value.tga %}",
            actual: { tag: "v1" },
            message: "{% $value.tga %} gave no value; check the paths it reads",
            position: { file: path, line: 6, column: 37 },
          },
        ],
      ],
      [
        "is false",
        [
          {
            path: "outputs.image",
            expected: "{% $value.tag = 'v2' %}",
            actual: { tag: "v1" },
            message: "{% $value.tag = 'v2' %} is false",
          },
        ],
      ],
      ["holds", []],
    ]);
  });
});
