/**
 * A run as an OpenTelemetry trace: one span for the run, one per step, and under a step one per
 * forEach item, repeat check and compensation. It is a Reporter (the engine's events open and end
 * the spans) and the engine's `startHeaders` hook (src/engine/run-options.ts): each execution is
 * started with its span's W3C context where the SDKs' tracing interceptors read it: the JSON payload
 * header `_tracer-data` for an activity, the `traceparent`/`tracestate` Nexus headers for a Nexus
 * operation. Uses the tracer it is given and no global (provider, context manager, propagator).
 */
import {
  type Attributes,
  type Context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  type Span,
  SpanStatusCode,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import type { ItemRecord, Reporter, RunRecord, StepRecord } from "../engine/events.js";
import type { ExecutionStart, StartHeaders } from "../engine/run-options.js";
import type { Pipeline, Step, StepCall } from "../pipeline/model.js";

/** The activity header the SDKs' OpenTelemetry interceptors read (TypeScript, Python, Go). */
const TRACE_HEADER = "_tracer-data";

const propagator = new W3CTraceContextPropagator();

export interface RunTracer {
  readonly reporter: Reporter;
  readonly startHeaders: StartHeaders;
}

export interface RunTracerOptions {
  readonly tracer: Tracer;
  readonly pipeline: Pipeline;
  /** `TRACEPARENT` (and `TRACESTATE`) of the environment: the run becomes a child of that span. */
  readonly parent?: { traceparent?: string | undefined; tracestate?: string | undefined };
}

/** A W3C trace context carrier, as `traceparent`/`tracestate` text. */
function carrierOf(context: Context): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagator.inject(context, carrier, defaultTextMapSetter);
  return carrier;
}

/** The context the environment's TRACEPARENT names; the root context when it names none (or is malformed). */
export function parentContext(parent: RunTracerOptions["parent"]): Context {
  if (parent?.traceparent === undefined) return ROOT_CONTEXT;
  const carrier: Record<string, string> = { traceparent: parent.traceparent };
  if (parent.tracestate !== undefined) carrier.tracestate = parent.tracestate;
  return propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
}

/** The call's attributes: what a person looks for a step by. */
function callAttributes(call: StepCall | undefined): Attributes {
  if (call === undefined) return {};
  switch (call.kind) {
    case "activity":
      return {
        "nxrun.activity_type": call.activityType,
        ...(call.taskQueue ? { "nxrun.task_queue": call.taskQueue } : {}),
      };
    case "nexus":
      return {
        ...(call.endpoint ? { "nxrun.nexus.endpoint": call.endpoint } : {}),
        "nxrun.nexus.service": call.service,
        "nxrun.nexus.operation": call.operation,
      };
    default:
      return {};
  }
}

/**
 * The step a compensation record undoes (its record ID is `<step>.compensate`, or for the undo of a
 * later attempt `<step>@<attempt>.compensate`: src/engine/compensation.ts compensationRecordId).
 */
function undoneBy(compensationId: string): string {
  return compensationId.replace(/(@\d+)?\.compensate$/, "");
}

/** What a step's or item's record ended with, on its span. */
function endWith(span: Span, record: StepRecord | ItemRecord): void {
  span.setAttribute("nxrun.status", record.status);
  if (record.execution) {
    span.setAttribute("nxrun.execution_id", record.execution.executionId);
    if (record.execution.runId) span.setAttribute("temporal.run_id", record.execution.runId);
  }
  if (record.attempt !== undefined) span.setAttribute("nxrun.attempts", record.attempt);
  // A resumed run reads back what an earlier session did: this span is not a second run of it.
  if ("reused" in record && record.reused === true) span.setAttribute("nxrun.reused", true);
  if (record.repeat !== undefined) span.setAttribute("nxrun.repeat.attempts", record.repeat.attempt);
  if (record.error) {
    if (record.error.type !== undefined) span.setAttribute("nxrun.failure_type", record.error.type);
    span.setStatus({ code: SpanStatusCode.ERROR, message: record.error.message });
  } else if (record.status === "completed") {
    span.setStatus({ code: SpanStatusCode.OK });
  }
  span.end();
}

/** The run's tracer: its reporter and its start hook share the spans. */
export function createRunTracer(options: RunTracerOptions): RunTracer {
  const { tracer, pipeline } = options;
  const steps = new Map<string, Step>();
  for (const step of [...pipeline.steps, ...pipeline.finally]) steps.set(step.id, step);
  let runContext = parentContext(options.parent);
  let runSpan: Span | undefined;
  let runId = "";
  /** Open step spans by record key (`<section>:<stepId>`); items by `<key>#<index>`. */
  const open = new Map<string, { span: Span; context: Context }>();
  /** Execution ID → the key of the span whose context the execution is started with. */
  const owners = new Map<string, string>();
  /** Owner key → its repeat check span, ended by the next check or by the owner's end. */
  const checks = new Map<string, Span>();

  const keyOf = (stepId: string, record: StepRecord) => `${record.section}:${stepId}`;
  const note = (key: string, record: StepRecord | ItemRecord) => {
    if (record.execution) owners.set(record.execution.executionId, key);
  };
  const stepContext = (stepId: string) =>
    open.get(`steps:${stepId}`)?.context ?? open.get(`finally:${stepId}`)?.context;
  /** A sub-step of a forEach uses step runs in an item: its ID is `<parent>[<index>].<step>`. */
  const itemContext = (parent: string, stepId: string) => {
    const index = stepId.startsWith(parent) ? /^\[(\d+)\]\./.exec(stepId.slice(parent.length))?.[1] : undefined;
    if (index === undefined) return undefined;
    return open.get(`steps:${parent}#${index}`)?.context ?? open.get(`finally:${parent}#${index}`)?.context;
  };
  /**
   * The span a step's span nests under: the step a compensation undoes, the uses step (or its item)
   * of a sub-step, or the run.
   */
  const parentOf = (stepId: string, record: StepRecord): Context => {
    if (record.section === "compensate") return stepContext(undoneBy(stepId)) ?? runContext;
    if (record.parent !== undefined) {
      return itemContext(record.parent, stepId) ?? stepContext(record.parent) ?? runContext;
    }
    return runContext;
  };
  /** What a step's record is: its own call, or for a compensation the call that undoes. */
  const callOf = (stepId: string, record: StepRecord): StepCall | undefined =>
    record.section === "compensate" ? steps.get(undoneBy(stepId))?.compensate?.call : steps.get(stepId)?.call;
  const openSpan = (key: string, name: string, parent: Context, attributes: Attributes) => {
    const span = tracer.startSpan(name, { attributes }, parent);
    const entry = { span, context: trace.setSpan(parent, span) };
    open.set(key, entry);
    return entry;
  };
  const closeChecks = (key: string) => {
    checks.get(key)?.end();
    checks.delete(key);
  };
  // A step's span stays findable after it ends: its compensation and sub-steps nest under it.
  const ended = new Set<string>();

  const reporter: Reporter = {
    onRunStart(event) {
      runId = event.runId;
      runSpan = tracer.startSpan(
        `nxrun run ${event.pipeline}`,
        {
          attributes: {
            "nxrun.run_id": event.runId,
            "nxrun.pipeline": event.pipeline,
            "nxrun.resumed": event.resumed,
            "temporal.namespace": event.namespace,
          },
        },
        runContext,
      );
      runContext = trace.setSpan(runContext, runSpan);
    },
    onStepStart({ stepId, record }) {
      const key = keyOf(stepId, record);
      if (open.has(key) && !ended.has(key)) return;
      ended.delete(key);
      const name = record.section === "compensate" ? `compensate ${stepId}` : `step ${stepId}`;
      openSpan(key, name, parentOf(stepId, record), {
        "nxrun.run_id": runId,
        "nxrun.step_id": stepId,
        "nxrun.step.kind": record.kind,
        "nxrun.section": record.section,
        ...callAttributes(callOf(stepId, record)),
      });
      note(key, record);
    },
    onStepUpdate({ stepId, record }) {
      note(keyOf(stepId, record), record);
    },
    onStepEnd({ stepId, record }) {
      const key = keyOf(stepId, record);
      const entry = open.get(key);
      if (entry === undefined || ended.has(key)) return;
      note(key, record);
      closeChecks(key);
      ended.add(key);
      endWith(entry.span, record);
    },
    onItemStart({ stepId, item }) {
      const stepKey = findOpenStep(stepId);
      const key = `${stepKey}#${item.index}`;
      if (open.has(key) && !ended.has(key)) {
        note(key, item);
        return;
      }
      ended.delete(key);
      const parent = open.get(stepKey)?.context ?? runContext;
      openSpan(key, `step ${stepId} item ${item.index}`, parent, {
        "nxrun.step_id": stepId,
        "nxrun.item.index": item.index,
      });
      note(key, item);
    },
    onItemEnd({ stepId, item }) {
      const key = `${findOpenStep(stepId)}#${item.index}`;
      const entry = open.get(key);
      if (entry === undefined || ended.has(key)) return;
      note(key, item);
      closeChecks(key);
      ended.add(key);
      endWith(entry.span, item);
    },
    onRunEnd(record: RunRecord) {
      for (const [key, { span }] of open) {
        if (ended.has(key)) continue;
        closeChecks(key);
        span.setAttribute("nxrun.status", "stopped");
        span.end();
      }
      if (runSpan === undefined) return;
      runSpan.setAttribute("nxrun.status", record.status);
      if (record.error) {
        if (record.error.type !== undefined) runSpan.setAttribute("nxrun.failure_type", record.error.type);
        runSpan.setStatus({ code: SpanStatusCode.ERROR, message: record.error.message });
      } else if (record.status === "completed") {
        runSpan.setStatus({ code: SpanStatusCode.OK });
      } else {
        runSpan.setStatus({ code: SpanStatusCode.ERROR, message: `run ${record.status}` });
      }
      runSpan.end();
    },
  };

  /** The key of the step's span an item belongs to (steps or finally). */
  function findOpenStep(stepId: string): string {
    return open.has(`steps:${stepId}`)
      ? `steps:${stepId}`
      : open.has(`finally:${stepId}`)
        ? `finally:${stepId}`
        : `compensate:${stepId}`;
  }

  const REPEAT_CHECK = /\.check-(\d+)$/;

  const startHeaders: StartHeaders = (start: ExecutionStart) => {
    const owner = owners.get(start.executionId);
    const entry = owner === undefined ? undefined : open.get(owner);
    if (owner === undefined || entry === undefined) return undefined;
    let context = entry.context;
    const check = REPEAT_CHECK.exec(start.executionId);
    if (check) {
      closeChecks(owner);
      const span = tracer.startSpan(
        `check ${check[1]}`,
        { attributes: { "nxrun.execution_id": start.executionId, "nxrun.repeat.attempt": Number(check[1]) } },
        context,
      );
      checks.set(owner, span);
      context = trace.setSpan(context, span);
    }
    const carrier = carrierOf(context);
    if (start.kind === "nexus") return carrier;
    return { [TRACE_HEADER]: carrier };
  };

  return { reporter, startHeaders };
}
