/**
 * The run tracer's spans fed events directly, for shapes the in-memory server cannot drive simply:
 * the steps of a forEach uses step (record IDs <step>[<index>].<sub-step>) and a resumed run's reused steps.
 */
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { describe, expect, it } from "vitest";
import type { ItemRecord, StepRecord } from "../../../src/engine/events.js";
import type { Pipeline } from "../../../src/pipeline/model.js";
import { createRunTracer } from "../../../src/trace/run-tracer.js";

/** A run tracer over an in-memory exporter; the pipeline's steps only name calls, which these cases need not. */
function traced() {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const pipeline = { steps: [], finally: [] } as unknown as Pipeline;
  const run = createRunTracer({ tracer: provider.getTracer("test"), pipeline });
  run.reporter.onRunStart?.({
    runId: "r",
    pipeline: "p",
    file: "p.yaml",
    address: "127.0.0.1:7233",
    namespace: "default",
    resumed: false,
    plan: [],
  });
  const spans = () => exporter.getFinishedSpans();
  const named = (name: string) => {
    const span = spans().find((s) => s.name === name);
    if (!span)
      throw new Error(
        `no span ${name} among ${spans()
          .map((s) => s.name)
          .join(", ")}`,
      );
    return span;
  };
  return { reporter: run.reporter, named };
}

const step = (id: string, fields: Partial<StepRecord> = {}): StepRecord => ({
  id,
  section: "steps",
  kind: "activity",
  status: "running",
  ...fields,
});
const item = (index: number, status: ItemRecord["status"] = "running"): ItemRecord => ({ index, status });

describe("a run's spans", () => {
  it("puts the steps of a forEach uses step under the item they ran in", () => {
    const { reporter, named } = traced();
    const uses = step("each", { kind: "uses" });
    reporter.onStepStart?.({ stepId: "each", record: uses });
    for (const index of [0, 1]) {
      reporter.onItemStart?.({ stepId: "each", item: item(index) });
      const inner = step(`each[${index}].inner`, { parent: "each" });
      reporter.onStepStart?.({ stepId: inner.id, record: inner });
      reporter.onStepEnd?.({ stepId: inner.id, record: { ...inner, status: "completed" } });
      reporter.onItemEnd?.({ stepId: "each", item: item(index, "completed") });
    }
    reporter.onStepEnd?.({ stepId: "each", record: { ...uses, status: "completed" } });
    for (const index of [0, 1]) {
      expect(named(`step each[${index}].inner`).parentSpanContext?.spanId).toBe(
        named(`step each item ${index}`).spanContext().spanId,
      );
    }
    // A uses step without forEach keeps its steps directly under it.
    const once = step("once", { kind: "uses" });
    reporter.onStepStart?.({ stepId: "once", record: once });
    const inner = step("once.inner", { parent: "once" });
    reporter.onStepStart?.({ stepId: inner.id, record: inner });
    reporter.onStepEnd?.({ stepId: inner.id, record: { ...inner, status: "completed" } });
    reporter.onStepEnd?.({ stepId: "once", record: { ...once, status: "completed" } });
    expect(named("step once.inner").parentSpanContext?.spanId).toBe(named("step once").spanContext().spanId);
  });

  it("marks a step a resumed run read back as reused, not run again", () => {
    const { reporter, named } = traced();
    const add = step("add");
    reporter.onStepStart?.({ stepId: "add", record: add });
    reporter.onStepEnd?.({ stepId: "add", record: { ...add, status: "completed", reused: true } });
    const fresh = step("fresh");
    reporter.onStepStart?.({ stepId: "fresh", record: fresh });
    reporter.onStepEnd?.({ stepId: "fresh", record: { ...fresh, status: "completed" } });
    expect(named("step add").attributes["nxrun.reused"]).toBe(true);
    expect(named("step fresh").attributes["nxrun.reused"]).toBeUndefined();
  });
});
