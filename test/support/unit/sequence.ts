/** Synthetic engine event sequences that drive the reporters in tests (no server, no engine). */
import type { Reporter, RunRecord, RunStartEvent, StepRecord } from "../../../src/engine/events.js";

export const SECRET = "s3cr3t-t0ken-value";
export const RUN_ID = "deploy-20250101T000000Z-ab12";
export const T0 = Date.parse("2025-01-01T00:00:00.000Z");

/** An ISO time `seconds` after T0. */
export function at(seconds: number): string {
  return new Date(T0 + seconds * 1000).toISOString();
}

export const runStart: RunStartEvent = {
  runId: RUN_ID,
  pipeline: "deploy",
  file: "deploy.yaml",
  address: "127.0.0.1:7233",
  namespace: "default",
  resumed: false,
  plan: [
    { id: "build", section: "steps", kind: "activity", dependsOn: [], forEach: false },
    { id: "approve", section: "steps", kind: "confirm", dependsOn: ["build"], forEach: false },
    { id: "fanout", section: "steps", kind: "activity", dependsOn: ["approve"], forEach: true },
    { id: "charge", section: "steps", kind: "nexus", dependsOn: ["build"], forEach: false },
    { id: "notify", section: "finally", kind: "activity", dependsOn: [], forEach: false },
  ],
};

export function exec(stepId: string, index?: number) {
  return {
    kind: "activity" as const,
    executionId: index === undefined ? `${RUN_ID}.${stepId}` : `${RUN_ID}.${stepId}.${index}`,
    runId: "0194d2f0-aaaa-bbbb-cccc-000000000001",
  };
}

export const chargeError = {
  message: `card declined for token ${SECRET}`,
  type: "PaymentDeclined",
  nonRetryable: true,
  cause: { message: "upstream returned 502", type: "HttpError", nonRetryable: false },
};

/** A whole failing run: build ok, approve ok, fanout 5 items (one fails), charge fails, notify ok. */
export function failingRun(reporter: Reporter): RunRecord {
  reporter.onRunStart?.(runStart);
  const build: StepRecord = {
    id: "build",
    section: "steps",
    kind: "activity",
    status: "running",
    execution: exec("build"),
    attempt: 1,
    startedAt: at(0),
    summary: `build with ${SECRET}`,
  };
  reporter.onStepStart?.({ stepId: "build", record: build });
  reporter.onStepUpdate?.({
    stepId: "build",
    record: { ...build, attempt: 2, error: { message: "flaky", type: "Flaky", nonRetryable: false } },
  });
  const buildDone: StepRecord = {
    ...build,
    attempt: 2,
    status: "completed",
    closedAt: at(2),
    output: { image: "x:1" },
  };
  reporter.onStepEnd?.({ stepId: "build", record: buildDone });
  const approve: StepRecord = {
    id: "approve",
    section: "steps",
    kind: "confirm",
    status: "completed",
    startedAt: at(2),
    closedAt: at(3),
  };
  reporter.onStepEnd?.({ stepId: "approve", record: approve });
  const items = [0, 1, 2, 3, 4].map((index) => ({
    index,
    status: index === 3 ? ("failed" as const) : ("completed" as const),
    execution: exec("fanout", index),
    startedAt: at(3),
    closedAt: at(4 + index / 10),
    ...(index === 3
      ? { error: { message: 'item <3> & "broke"', type: "ItemError", nonRetryable: true } }
      : { output: index }),
  }));
  reporter.onStepStart?.({
    stepId: "fanout",
    record: { id: "fanout", section: "steps", kind: "activity", status: "running", startedAt: at(3), items: [] },
  });
  for (const item of items) {
    reporter.onItemStart?.({ stepId: "fanout", item: { ...item, status: "running", closedAt: undefined } });
    reporter.onItemEnd?.({ stepId: "fanout", item });
  }
  const fanout: StepRecord = {
    id: "fanout",
    section: "steps",
    kind: "activity",
    status: "failed",
    startedAt: at(3),
    closedAt: at(5),
    items,
    error: { message: "1 of 5 items failed", type: "ForEachFailed", nonRetryable: true },
  };
  reporter.onStepEnd?.({ stepId: "fanout", record: fanout });
  const charge: StepRecord = {
    id: "charge",
    section: "steps",
    kind: "nexus",
    status: "failed",
    execution: { kind: "nexus", executionId: `${RUN_ID}.charge` },
    attempt: 1,
    startedAt: at(2),
    closedAt: at(6),
    error: chargeError,
  };
  reporter.onStepStart?.({
    stepId: "charge",
    record: { ...charge, status: "running", closedAt: undefined, error: undefined },
  });
  reporter.onStepEnd?.({ stepId: "charge", record: charge });
  const notify: StepRecord = {
    id: "notify",
    section: "finally",
    kind: "activity",
    status: "completed",
    execution: exec("notify"),
    attempt: 1,
    startedAt: at(6),
    closedAt: at(7),
  };
  reporter.onStepEnd?.({ stepId: "notify", record: notify });
  const record: RunRecord = {
    runId: RUN_ID,
    pipeline: "deploy",
    file: "deploy.yaml",
    address: "127.0.0.1:7233",
    namespace: "default",
    status: "failed",
    startedAt: at(0),
    closedAt: at(7),
    inputs: { env: "prod", token: SECRET },
    steps: [buildDone, approve, fanout, charge, notify],
    outputs: { image: "x:1", leaked: `Bearer ${SECRET}` },
    error: chargeError,
  };
  reporter.onRunEnd?.(record);
  return record;
}
