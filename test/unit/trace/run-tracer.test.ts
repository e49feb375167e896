/**
 * The run tracer (src/trace/run-tracer.ts) driven by the engine's own events, on the in-memory
 * stand-in for the server (test/support/unit/fake-temporal.ts), its spans kept by the SDK's
 * InMemorySpanExporter: the span tree, the attributes and statuses each span ends with, and the trace
 * context each start carries (the headers the workers' interceptors read).
 */
import { ROOT_CONTEXT, SpanStatusCode, trace } from "@opentelemetry/api";
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { afterEach, describe, expect, it } from "vitest";
import type { RunRecord } from "../../../src/engine/events.js";
import { runPipeline } from "../../../src/engine/run-pipeline.js";
import { evaluate } from "../../../src/pipeline/expr/evaluate.js";
import { loadPipelineText } from "../../../src/pipeline/load.js";
import type { Pipeline } from "../../../src/pipeline/model.js";
import { createRunTracer, parentContext, type RunTracerOptions } from "../../../src/trace/run-tracer.js";
import { cancellableSleep, FakeTemporal, type Handler } from "../../support/unit/fake-temporal.js";

const echo: Handler = async (input) => input;
const fail: Handler = async () => {
  throw new TypeError("boom");
};

let exporter: InMemorySpanExporter;
let provider: TracerProvider | undefined;
afterEach(async () => {
  await provider?.shutdown();
  provider = undefined;
});

function load(text: string): Pipeline {
  const loaded = loadPipelineText(text, "/test/traced.yaml");
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.diagnostics));
  return loaded.pipeline;
}

/** Runs `pipeline` traced; every span is exported as it ends. */
async function tracedRun(
  pipeline: Pipeline,
  client: FakeTemporal,
  options: { parent?: RunTracerOptions["parent"]; signal?: AbortSignal } = {},
): Promise<{ record: RunRecord; spans: ReadableSpan[] }> {
  exporter = new InMemorySpanExporter();
  provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const tracer = createRunTracer({ tracer: provider.getTracer("test"), pipeline, parent: options.parent });
  const record = await runPipeline(pipeline, {
    client,
    inputs: {},
    evaluate,
    runId: "r",
    reporter: tracer.reporter,
    startHeaders: tracer.startHeaders,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return { record, spans: exporter.getFinishedSpans() };
}

function named(spans: ReadableSpan[], name: string): ReadableSpan {
  const found = spans.filter((span) => span.name === name);
  if (found.length !== 1) throw new Error(`${found.length} spans ${name} among ${spans.map((s) => s.name).join(", ")}`);
  return found[0] as ReadableSpan;
}

const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

/** The span ID in the traceparent an execution was started with: `_tracer-data` for an activity, the Nexus header for an operation. */
function startedUnder(client: FakeTemporal, executionId: string): string | undefined {
  const execution = client.all.find((e) => e.id === executionId);
  const headers = execution?.options.headers as Record<string, unknown> | undefined;
  const carrier = (execution?.kind === "nexus" ? headers : headers?.["_tracer-data"]) as
    | { traceparent?: string }
    | undefined;
  return carrier?.traceparent?.split("-")[2];
}

describe("the run tracer", () => {
  it("makes one trace: run, steps, items and a compensation, each start carrying its span's context", async () => {
    const pipeline = load(`nxrun: 1
name: traced
defaults: { taskQueue: q }
steps:
  - id: add
    activity: Add
    headers: { team: ops }
    compensate:
      activity: Undo
  - id: each
    forEach: [a, b]
    activity: Echo
    input: "{% $item %}"
  - id: greet
    nexus: { endpoint: e, service: Svc, operation: greet }
  - id: boom
    needs: [add, each, greet]
    activity: Fail
`);
    const client = new FakeTemporal({ Add: echo, Echo: echo, "Svc/greet": echo, Fail: fail, Undo: echo });
    const { record, spans } = await tracedRun(pipeline, client);
    expect(record.status).toBe("failed");

    const run = named(spans, "nxrun run traced");
    expect(parentOf(run)).toBeUndefined();
    expect(spans.every((span) => span.spanContext().traceId === run.spanContext().traceId)).toBe(true);
    expect(run.attributes).toMatchObject({
      "nxrun.run_id": "r",
      "nxrun.pipeline": "traced",
      "nxrun.resumed": false,
      "temporal.namespace": "default",
      "nxrun.status": "failed",
    });
    expect(run.status.code).toBe(SpanStatusCode.ERROR);

    const [add, each, greet, boom] = ["add", "each", "greet", "boom"].map((id) => named(spans, `step ${id}`));
    for (const step of [add, each, greet, boom]) expect(parentOf(step as ReadableSpan)).toBe(run.spanContext().spanId);
    expect(add?.attributes).toEqual({
      "nxrun.run_id": "r",
      "nxrun.step_id": "add",
      "nxrun.step.kind": "activity",
      "nxrun.section": "steps",
      "nxrun.activity_type": "Add",
      "nxrun.task_queue": "q",
      "nxrun.execution_id": "r.add",
      // Its record ended completed; the compensation that undid it later is a span of its own.
      "nxrun.status": "completed",
      "temporal.run_id": client.all.find((e) => e.id === "r.add")?.runId,
    });
    expect(add?.status.code).toBe(SpanStatusCode.OK);
    expect(greet?.attributes).toMatchObject({
      "nxrun.step.kind": "nexus",
      "nxrun.nexus.endpoint": "e",
      "nxrun.nexus.service": "Svc",
      "nxrun.nexus.operation": "greet",
      "nxrun.status": "completed",
    });
    expect(boom?.attributes).toMatchObject({ "nxrun.status": "failed", "nxrun.failure_type": "TypeError" });
    expect(boom?.status).toEqual({ code: SpanStatusCode.ERROR, message: "boom" });

    const items = [named(spans, "step each item 0"), named(spans, "step each item 1")];
    for (const item of items) expect(parentOf(item)).toBe(each?.spanContext().spanId);
    expect(items.map((item) => item.attributes["nxrun.execution_id"])).toEqual(["r.each.0", "r.each.1"]);
    const compensation = named(spans, "compensate add.compensate");
    expect(parentOf(compensation)).toBe(add?.spanContext().spanId);
    expect(compensation.attributes).toMatchObject({
      "nxrun.section": "compensate",
      "nxrun.activity_type": "Undo",
      "nxrun.status": "completed",
    });

    // Every start carried the context of its own span, and the step's own headers beside it.
    expect(startedUnder(client, "r.add")).toBe(add?.spanContext().spanId);
    expect(startedUnder(client, "r.each.0")).toBe(items[0]?.spanContext().spanId);
    expect(startedUnder(client, "r.each.1")).toBe(items[1]?.spanContext().spanId);
    expect(startedUnder(client, "r.greet")).toBe(greet?.spanContext().spanId);
    expect(startedUnder(client, "r.boom")).toBe(boom?.spanContext().spanId);
    expect(startedUnder(client, "r.add.compensate")).toBe(compensation.spanContext().spanId);
    expect(client.all.find((e) => e.id === "r.add")?.options.headers).toMatchObject({ team: "ops" });
    expect(spans).toHaveLength(1 + 4 + 2 + 1);
  });

  it("a repeat's checks are spans of their own under the step, each check started under its span", async () => {
    const pipeline = load(`nxrun: 1
name: polled
defaults: { taskQueue: q }
steps:
  - id: poll
    activity: Check
    repeat: { until: "{% $attempt >= 3 %}", every: 10ms, limit: 5 }
`);
    const client = new FakeTemporal({ Check: echo });
    const { record, spans } = await tracedRun(pipeline, client);
    expect(record.status).toBe("completed");
    const poll = named(spans, "step poll");
    const checks = [1, 2, 3].map((n) => named(spans, `check ${n}`));
    for (const [i, check] of checks.entries()) {
      expect(parentOf(check)).toBe(poll.spanContext().spanId);
      expect(check.attributes).toEqual({
        "nxrun.execution_id": `r.poll.check-${i + 1}`,
        "nxrun.repeat.attempt": i + 1,
      });
      expect(startedUnder(client, `r.poll.check-${i + 1}`)).toBe(check.spanContext().spanId);
    }
    // Each check ended as the next began (spans are exported as they end), the last one with the step.
    const ended = spans.map((span) => span.name).filter((name) => /^(check \d|step poll)$/.test(name));
    expect(ended).toEqual(["check 1", "check 2", "check 3", "step poll"]);
    expect(poll.attributes).toMatchObject({ "nxrun.status": "completed", "nxrun.repeat.attempts": 3 });
  });

  it("TRACEPARENT makes the run a child of the caller's span; a malformed one starts a trace of its own", async () => {
    const pipeline = load(`nxrun: 1
name: child
steps:
  - id: one
    activity: Echo
    taskQueue: q
`);
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const parent = { traceparent: `00-${traceId}-00f067aa0ba902b7-01`, tracestate: "vendor=1" };
    const { spans } = await tracedRun(pipeline, new FakeTemporal({ Echo: echo }), { parent });
    const run = named(spans, "nxrun run child");
    expect(run.spanContext().traceId).toBe(traceId);
    expect(parentOf(run)).toBe("00f067aa0ba902b7");
    expect(run.spanContext().traceState?.get("vendor")).toBe("1");

    expect(trace.getSpanContext(parentContext({ traceparent: "not-a-traceparent" }))).toBeUndefined();
    expect(parentContext(undefined)).toBe(ROOT_CONTEXT);
    const malformed = await tracedRun(pipeline, new FakeTemporal({ Echo: echo }), {
      parent: { traceparent: "00-zz-00f067aa0ba902b7-01" },
    });
    const own = named(malformed.spans, "nxrun run child");
    expect(parentOf(own)).toBeUndefined();
    expect(own.spanContext().traceId).not.toBe(traceId);
  });

  it("a cancelled run ends every span: the step's with its outcome, the run's as an error", async () => {
    const pipeline = load(`nxrun: 1
name: cancelled
steps:
  - id: hang
    activity: Hang
    taskQueue: q
`);
    const abort = new AbortController();
    const hang: Handler = (input, ctx) => {
      abort.abort();
      return cancellableSleep(60_000, ctx.signal, input);
    };
    const { record, spans } = await tracedRun(pipeline, new FakeTemporal({ Hang: hang }), { signal: abort.signal });
    expect(record.status).toBe("canceled");
    const run = named(spans, "nxrun run cancelled");
    expect(run.attributes["nxrun.status"]).toBe("canceled");
    expect(run.status).toEqual({
      code: SpanStatusCode.ERROR,
      message: "nxrun run r: interrupted (Ctrl-C / SIGTERM)",
    });
    const hangSpan = named(spans, "step hang");
    expect(hangSpan.attributes["nxrun.status"]).toBe("canceled");
    expect(hangSpan.status).toEqual({ code: SpanStatusCode.ERROR, message: "canceled" });
    expect(spans.map((span) => span.ended)).toEqual([true, true]);
  });
});
