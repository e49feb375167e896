/**
 * `--trace`: a run exported as one OpenTelemetry trace over OTLP, read back from a receiver that
 * decodes the protocol (test/support/e2e/otlp-receiver.ts), with a real test worker running the
 * SDK's OpenTelemetry interceptors and exporting to the same receiver: its activity and Nexus handler
 * spans must nest under the step spans nxrun started them from. The same for a Python worker with
 * temporalio.contrib.opentelemetry's TracingInterceptor (test/workers/python/traced_worker.py).
 */
import { type ChildProcess, spawnSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createNexusEndpoint,
  REPO,
  startWorker,
  stopProcess,
  type WorkerProcess,
} from "../../../scripts/dev-server.js";
import { runNxrun, stack, uniqueId, waitFor, writePipeline } from "../../support/e2e/harness.js";
import {
  decodeExport,
  type OtlpReceiver,
  type ReceivedSpan,
  startOtlpReceiver,
} from "../../support/e2e/otlp-receiver.js";
import { startPythonWorker } from "../../support/e2e/python-worker.js";
import { exitCodeInTmux, pane, settledPane, startInTmux, stopTmux, tmux } from "../../support/e2e/tmux.js";

const QUEUE = "nxrun-trace";
const PY_QUEUE = "nxrun-trace-py";
const SECRET = "s3cr3t-trace-7Qz";

function spanNamed(spans: ReceivedSpan[], name: string | RegExp): ReceivedSpan {
  const found = spans.find((span) => (typeof name === "string" ? span.name === name : name.test(span.name)));
  if (!found) throw new Error(`no span ${String(name)} among ${spans.map((s) => s.name).join(", ")}`);
  return found;
}

describe("a run as an OpenTelemetry trace (--trace)", () => {
  let receiver: OtlpReceiver;
  let worker: WorkerProcess | undefined;
  let python: ChildProcess | undefined;
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    await createNexusEndpoint(stack().address, { name: QUEUE, taskQueue: QUEUE });
    worker = await startWorker({
      script: stack().workerScript,
      address: stack().address,
      taskQueue: QUEUE,
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_SERVICE_NAME: "test-worker" },
    });
    // In the hook, whose time limit allows for the project's venv being made on a fresh machine.
    await createNexusEndpoint(stack().address, { name: PY_QUEUE, taskQueue: PY_QUEUE });
    python = await startPythonWorker("traced_worker.py", PY_QUEUE, {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_SERVICE_NAME: "py-worker",
    });
  });
  afterAll(async () => {
    stopTmux();
    await worker?.stop();
    if (python) await stopProcess(python);
    await receiver?.close();
  });

  const traceEnv = (extra: NodeJS.ProcessEnv = {}) => ({
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    OTEL_SERVICE_NAME: "nxrun-e2e",
    OTEL_RESOURCE_ATTRIBUTES: "deployment.environment=test",
    TRACE_TOKEN: SECRET,
    ...extra,
  });

  it("exports the run, its steps, items and compensation, with the workers' spans under them in one trace", async () => {
    const file = writePipeline(`
nxrun: 1
name: traced
secrets:
  token: { env: TRACE_TOKEN }
defaults: { taskQueue: ${QUEUE} }
steps:
  - id: add
    activity: add
    input: { a: 1, b: 2, token: "{% $secrets.token %}" }
    summary: "{% 'adding with ' & $secrets.token %}"
    compensate:
      activity: echo
      input: undo
  - id: each
    forEach: [1, 2]
    activity: echo
    input: "{% $item %}"
  - id: greet
    nexus: { endpoint: ${QUEUE}, service: TestService, operation: greet }
    input: { name: "{% $secrets.token %}" }
  - id: boom
    needs: [add, each, greet]
    activity: fail
    input: { nonRetryable: true, message: "{% 'failed with ' & $secrets.token %}" }
`);
    const runId = uniqueId("traced");
    const parentTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
    const parentSpan = "00f067aa0ba902b7";
    const result = await runNxrun([file, "--run-id", runId, "--output", "plain", "--trace"], {
      env: traceEnv({ TRACEPARENT: `00-${parentTrace}-${parentSpan}-01` }),
    });
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(1);
    // No warning: the collector took the spans.
    expect(result.stderr).not.toContain("warning");

    // nxrun flushed before exiting; the worker's batch follows within its delay.
    const ofRun = () => receiver.spans.filter((span) => span.traceId === parentTrace);
    const spans = await waitFor("the run's and the workers' spans", () => {
      const found = ofRun();
      const workers = found.filter((span) => span.service === "test-worker");
      // add, its compensation, two items, the failing activity's attempt, the Nexus handler.
      return workers.length >= 6 ? found : undefined;
    }).catch((error: Error) => {
      const seen = receiver.spans.map((s) => `${s.service} ${s.name} ${s.traceId}/${s.spanId}<-${s.parentSpanId}`);
      throw new Error(`${error.message}; received:\n${seen.join("\n")}`);
    });

    const run = spanNamed(spans, "nxrun run traced");
    // TRACEPARENT made the run a child of the caller's span, in the caller's trace.
    expect(run.parentSpanId).toBe(parentSpan);
    expect(run.service).toBe("nxrun-e2e");
    expect(run.attributes).toMatchObject({
      "nxrun.run_id": runId,
      "nxrun.pipeline": "traced",
      "nxrun.status": "failed",
    });
    expect(run.status.code).toBe(2);

    const add = spanNamed(spans, "step add");
    const each = spanNamed(spans, "step each");
    const greet = spanNamed(spans, "step greet");
    const boom = spanNamed(spans, "step boom");
    for (const step of [add, each, greet, boom]) expect(step.parentSpanId).toBe(run.spanId);
    expect(add.attributes).toMatchObject({
      "nxrun.step_id": "add",
      "nxrun.step.kind": "activity",
      "nxrun.activity_type": "add",
      "nxrun.execution_id": `${runId}.add`,
      // What it ended with: its compensation, later, is a span of its own under it.
      "nxrun.status": "completed",
    });
    expect(greet.attributes).toMatchObject({
      "nxrun.nexus.endpoint": QUEUE,
      "nxrun.nexus.service": "TestService",
      "nxrun.nexus.operation": "greet",
      "nxrun.status": "completed",
    });
    expect(boom.attributes).toMatchObject({ "nxrun.status": "failed", "nxrun.failure_type": "TestFailure" });
    expect(boom.status.code).toBe(2);

    const items = spans.filter((span) => /^step each item \d$/.test(span.name));
    expect(items.map((span) => span.parentSpanId)).toEqual([each.spanId, each.spanId]);
    const compensation = spanNamed(spans, "compensate add.compensate");
    expect(compensation.parentSpanId).toBe(add.spanId);

    // The workers' spans, from the SDK's interceptors, under the span each execution was started from.
    const workerSpans = spans.filter((span) => span.service === "test-worker");
    const childrenOf = (span: ReceivedSpan) => workerSpans.filter((w) => w.parentSpanId === span.spanId);
    expect(childrenOf(add).map((s) => s.name)).toEqual(["RunActivity:add"]);
    expect(childrenOf(compensation).map((s) => s.name)).toEqual(["RunActivity:echo"]);
    for (const item of items) expect(childrenOf(item).map((s) => s.name)).toEqual(["RunActivity:echo"]);
    expect(childrenOf(greet).map((s) => s.name)).toEqual(["RunStartNexusOperation:TestService/greet"]);
    expect(childrenOf(boom).map((s) => s.name)).toEqual(["RunActivity:fail"]);

    // The secret was in inputs, a summary and the failure the worker made of its input: nxrun sent it
    // in none of its spans (the failure's message masked), the SDK's worker spans not from the input.
    expect(boom.status.message).toBe("failed with ***");
    const fromNxrun = receiver.bodies.filter((body) =>
      decodeExport(body, "application/x-protobuf").every((span) => span.service === "nxrun-e2e"),
    );
    expect(fromNxrun.length).toBeGreaterThan(0);
    for (const body of fromNxrun) expect(body.includes(SECRET)).toBe(false);
    const text = (span: ReceivedSpan) => JSON.stringify({ ...span, startNanos: 0, endNanos: 0 });
    for (const span of spans.filter((s) => s.name !== "RunActivity:fail")) expect(text(span)).not.toContain(SECRET);
  });

  it("a Python worker's TracingInterceptor spans nest under the step spans, a failed activity's marked", async () => {
    const file = writePipeline(`
nxrun: 1
name: traced-py
defaults: { taskQueue: ${PY_QUEUE} }
steps:
  - id: echo
    activity: pyEcho
    input: { word: hi }
  - id: hello
    nexus: { endpoint: ${PY_QUEUE}, service: PyTraced, operation: hello }
    input: { name: py }
  - id: broken
    needs: [echo, hello]
    activity: pyFail
    input: { message: broken on purpose }
`);
    const runId = uniqueId("traced-py");
    const result = await runNxrun([file, "--run-id", runId, "--output", "plain", "--trace"], { env: traceEnv() });
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(1);
    expect(result.stderr).not.toContain("warning");

    const run = receiver.spans.find(
      (span) => span.attributes["nxrun.run_id"] === runId && span.name === "nxrun run traced-py",
    );
    expect(run).toBeDefined();
    const traceId = run?.traceId ?? "";
    const spans = await waitFor("the Python worker's spans", () => {
      const found = receiver.spans.filter((span) => span.traceId === traceId);
      return found.filter((span) => span.service === "py-worker").length >= 3 ? found : undefined;
    }).catch((error: Error) => {
      const seen = receiver.spans.map((s) => `${s.service} ${s.name} ${s.traceId}/${s.spanId}<-${s.parentSpanId}`);
      throw new Error(`${error.message}; received:\n${seen.join("\n")}`);
    });
    const pySpans = spans.filter((span) => span.service === "py-worker");
    const childrenOf = (step: ReceivedSpan) => pySpans.filter((span) => span.parentSpanId === step.spanId);
    const echo = spanNamed(spans, "step echo");
    const hello = spanNamed(spans, "step hello");
    const broken = spanNamed(spans, "step broken");
    for (const step of [echo, hello, broken]) expect(step.parentSpanId).toBe(run?.spanId);
    expect(childrenOf(echo).map((s) => s.name)).toEqual(["RunActivity:pyEcho"]);
    expect(childrenOf(hello).map((s) => s.name)).toEqual(["RunStartNexusOperationHandler:PyTraced/hello"]);
    const failed = childrenOf(broken);
    expect(failed.map((s) => s.name)).toEqual(["RunActivity:pyFail"]);
    // Both sides say it failed: the worker's span with the error, nxrun's step with the failure's type.
    expect(failed[0]?.status.code).toBe(2);
    expect(failed[0]?.status.message).toContain("broken on purpose");
    expect(broken.attributes).toMatchObject({ "nxrun.status": "failed", "nxrun.failure_type": "PyTestFailure" });
    expect(childrenOf(echo)[0]?.status.code).not.toBe(2);
  });

  it("an unreachable collector costs one warning, not the run, and the exit stays bounded", async () => {
    const file = writePipeline(`
nxrun: 1
name: traced-nowhere
steps:
  - id: add
    activity: add
    taskQueue: ${QUEUE}
    input: { a: 1, b: 2 }
`);
    const started = Date.now();
    // A port nothing listens on: the receiver's, after it is closed would race; port 9 (discard) is closed on loopback.
    const result = await runNxrun([file, "--output", "plain", "--trace"], {
      env: traceEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:9" }),
    });
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    const warnings = result.stderr.split("\n").filter((line) => line.includes("warning"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^nxrun: warning: spans could not be sent to the OpenTelemetry collector/);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it("Ctrl-C: the spans of the cancelled run still reach the collector before nxrun exits", async () => {
    const file = writePipeline(`
nxrun: 1
name: traced-cancel
steps:
  - id: sleep
    activity: sleepFor
    taskQueue: ${QUEUE}
    input: { ms: 60000 }
    cancellation: abandon
`);
    const runId = uniqueId("traced-cancel");
    const result = await runNxrun([file, "--run-id", runId, "--output", "plain", "--trace"], {
      env: traceEnv(),
      onSpawn: (child) => {
        let sent = false;
        child.stdout?.on("data", (data: Buffer) => {
          if (sent || !data.toString().includes("running")) return;
          sent = true;
          child.kill("SIGINT");
        });
      },
    });
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(130);
    // Exported before the process exited: no waiting here.
    const run = receiver.spans.find(
      (span) => span.attributes["nxrun.run_id"] === runId && span.name.startsWith("nxrun run"),
    );
    expect(run?.attributes["nxrun.status"]).toBe("canceled");
    expect(receiver.spans.some((span) => span.name === "step sleep" && span.traceId === run?.traceId)).toBe(true);
  });

  it("--output tui: a collector refusing spans mid-run costs a warning below the view, never a crossed view", async () => {
    const refusing = await startOtlpReceiver({ answer: "refuse" });
    try {
      const file = writePipeline(`
nxrun: 1
name: traced-tui
defaults: { taskQueue: ${QUEUE} }
steps:
  - id: add
    activity: add
    input: { a: 1, b: 2 }
  - id: sleep
    needs: [add]
    activity: sleepFor
    input: { ms: 60000 }
    cancellation: abandon
`);
      const runId = uniqueId("traced-tui");
      const session = "trace-tui";
      const { exitFile } = startInTmux(session, [file, "--run-id", runId, "--output", "tui", "--trace"], {
        TEMPORAL_ADDRESS: stack().address,
        TEMPORAL_NAMESPACE: stack().namespace,
        OTEL_EXPORTER_OTLP_ENDPOINT: refusing.endpoint,
        // The first batch (the add step's span) goes out while the view is live, and is refused.
        OTEL_BSP_SCHEDULE_DELAY: "50",
      });
      await waitFor("a refused export while the view is live", () => refusing.bodies.length > 0 || undefined);
      await waitFor("the sleep step running in the view", () => /sleep .*attempt 1/.test(pane(session)) || undefined);
      tmux("send-keys", "-t", session, "C-c");
      const code = await exitCodeInTmux(exitFile);
      const end = await settledPane(session, { join: true });
      expect(code, end).toBe("130");
      const lines = end.split("\n");
      // The view drawn once: its header not left behind by a frame the warning pushed down.
      expect(
        lines.filter((line) => line.startsWith(`traced-tui  run ${runId}`)),
        end,
      ).toHaveLength(1);
      const warnings = lines.filter((line) => line.startsWith("nxrun: warning:"));
      expect(warnings, end).toEqual([
        "nxrun: warning: spans could not be sent to the OpenTelemetry collector (Internal Server Error); the run goes on without them",
      ]);
      // Below the view's last line, the run's end.
      const endLine = lines.findIndex((line) => /^✖ Run canceled/.test(line));
      expect(endLine, end).toBeGreaterThanOrEqual(0);
      expect(lines.indexOf(warnings[0] as string), end).toBeGreaterThan(endLine);
    } finally {
      await refusing.close();
    }
  });

  it("Ctrl-C while the spans go to a collector that never answers: nxrun stops waiting and says so", async () => {
    const hole = await startOtlpReceiver({ answer: "never" });
    try {
      const file = writePipeline(`
nxrun: 1
name: traced-hole
steps:
  - id: add
    activity: add
    taskQueue: ${QUEUE}
    input: { a: 1, b: 2 }
`);
      let signalled = 0;
      const result = await runNxrun([file, "--output", "plain", "--trace"], {
        env: traceEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: hole.endpoint }),
        onSpawn: (child) => {
          let out = "";
          child.stdout?.on("data", (data: Buffer) => {
            out += data.toString();
            if (signalled > 0 || !/run +completed/.test(out)) return;
            // The run has ended and its spans are on their way to a collector that will not answer.
            void waitFor("the spans sent", () => hole.bodies.length > 0 || undefined).then(() => {
              signalled = Date.now();
              child.kill("SIGINT");
            });
          });
        },
      });
      expect(signalled, result.stderr).toBeGreaterThan(0);
      // The run completed: a Ctrl-C during the flush does not make it interrupted.
      expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
      expect(result.stderr.split("\n").filter((line) => line.includes("warning"))).toEqual([
        "nxrun: warning: spans not sent before nxrun was interrupted were dropped",
      ]);
    } finally {
      await hole.close();
    }
  });

  it("an endpoint without its scheme: one warning naming the variable, the run goes on untraced at once", async () => {
    const file = writePipeline(`
nxrun: 1
name: traced-typo
steps:
  - id: add
    activity: add
    taskQueue: ${QUEUE}
    input: { a: 1, b: 2 }
`);
    const result = await runNxrun([file, "--output", "plain", "--trace"], {
      env: traceEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: "localhost:4318", TRACEPARENT: "not-a-traceparent" }),
    });
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stderr.split("\n").filter((line) => line.includes("warning"))).toEqual([
      "nxrun: warning: OTEL_EXPORTER_OTLP_ENDPOINT is not an http:// or https:// URL (the collector's OTLP/HTTP address, e.g. http://localhost:4318); the run is not traced",
    ]);
  });

  it("a TRACEPARENT that is not W3C: one warning, the run traced from its own root", async () => {
    const file = writePipeline(`
nxrun: 1
name: traced-bad-parent
steps:
  - id: add
    activity: add
    taskQueue: ${QUEUE}
    input: { a: 1, b: 2 }
`);
    const runId = uniqueId("traced-bad-parent");
    const result = await runNxrun([file, "--run-id", runId, "--output", "plain", "--trace"], {
      env: traceEnv({ TRACEPARENT: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7" }),
    });
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stderr.split("\n").filter((line) => line.includes("warning"))).toEqual([
      "nxrun: warning: TRACEPARENT is not a W3C traceparent (00-<32 hex trace ID>-<16 hex span ID>-<2 hex flags>); the run's trace starts without a parent",
    ]);
    const run = receiver.spans.find(
      (span) => span.attributes["nxrun.run_id"] === runId && span.name.startsWith("nxrun run"),
    );
    expect(run?.parentSpanId).toBe("");
  });

  it("without --trace nothing of OpenTelemetry is loaded", () => {
    // The CLI bundle keeps @opentelemetry outside; a run that is not traced never requires it.
    const probe = join(REPO, "test", "support", "e2e", "required-modules.cjs");
    const file = writePipeline(`
nxrun: 1
name: untraced
steps:
  - id: add
    activity: add
    taskQueue: ${QUEUE}
    input: { a: 1, b: 2 }
`);
    const run = (env: NodeJS.ProcessEnv) =>
      spawnSync(process.execPath, ["--require", probe, join(REPO, "bin", "nxrun.js"), file, "--output", "plain"], {
        env: { ...process.env, CI: "true", TEMPORAL_ADDRESS: stack().address, ...env },
        encoding: "utf8",
      });
    const plain = run({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint });
    expect(plain.status, plain.stderr).toBe(0);
    expect(plain.stderr).not.toMatch(/required: .*@opentelemetry/);
    expect(plain.stderr).toMatch(/required: /);
    const traced = run({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_TRACES_EXPORTER: "otlp" });
    expect(traced.status, traced.stderr).toBe(0);
    expect(traced.stderr).toMatch(/required: .*@opentelemetry\/sdk-trace/);
  });
});
