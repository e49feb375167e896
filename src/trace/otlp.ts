/**
 * Tracing for one run, exported the standard way: the OpenTelemetry SDK's tracer provider with a
 * batch processor and the OTLP/HTTP (protobuf) exporter, which read the standard variables
 * (`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, `OTEL_EXPORTER_OTLP_HEADERS`,
 * `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`). The provider is this run's own and is never
 * registered as the global one. Loaded only when tracing is on (src/cli/trace-switch.ts), so a run
 * without it loads nothing of the SDK.
 */
import type { Tracer } from "@opentelemetry/api";
import { type ExportResult, ExportResultCode } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { detectResources, envDetector, resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, type ReadableSpan, type SpanExporter, TracerProvider } from "@opentelemetry/sdk-trace";
import type { Pipeline } from "../pipeline/model.js";
import { createRunTracer, type RunTracer } from "./run-tracer.js";

/** How long the spans of a run may take to reach the collector at its end, also after a failure or Ctrl-C. */
export const FLUSH_BOUND_MS = 5_000;

export interface OtlpTracing {
  readonly tracer: Tracer;
  /** Sends what is left and stops; resolves within FLUSH_BOUND_MS whatever the collector does, at once on `stop`. */
  shutdown(): Promise<void>;
}

/**
 * The exporter, saying once (through `warn`) that spans could not be sent: an unreachable or
 * refusing collector costs a warning, never the run.
 */
class WarnOnceExporter implements SpanExporter {
  constructor(
    private readonly inner: SpanExporter,
    private readonly warn: (message: string) => void,
  ) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.inner.export(spans, (result) => {
      if (result.code !== ExportResultCode.SUCCESS) {
        const why = result.error?.message ?? "the collector did not accept them";
        this.warn(`spans could not be sent to the OpenTelemetry collector (${why}); the run goes on without them`);
      }
      done(result);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

/** A tracer provider of this run's own, exporting over OTLP/HTTP. */
export function startOtlpTracing(options: {
  version: string;
  warn: (message: string) => void;
  /** Aborted while the spans are flushed (a Ctrl-C then): stop waiting for the collector at once. */
  stop?: AbortSignal;
}): OtlpTracing {
  let warned = false;
  const warn = (message: string) => {
    if (warned) return;
    warned = true;
    options.warn(message);
  };
  // The environment's service name and attributes win over nxrun's defaults.
  const resource = resourceFromAttributes({ "service.name": "nxrun", "service.version": options.version }).merge(
    detectResources({ detectors: [envDetector] }),
  );
  const exporter = new WarnOnceExporter(new OTLPTraceExporter({ timeoutMillis: FLUSH_BOUND_MS }), warn);
  const provider = new TracerProvider({
    resource,
    spanProcessors: [new BatchSpanProcessor({ exporter, exportTimeoutMillis: FLUSH_BOUND_MS })],
  });
  return {
    tracer: provider.getTracer("nxrun", options.version),
    async shutdown() {
      const { stop } = options;
      let timer: NodeJS.Timeout | undefined;
      let onStop: (() => void) | undefined;
      const bound = new Promise<void>((resolve) => {
        const giveUp = (why: string) => {
          warn(`spans not sent ${why} were dropped`);
          resolve();
        };
        timer = setTimeout(() => giveUp(`within ${FLUSH_BOUND_MS / 1000} s`), FLUSH_BOUND_MS);
        timer.unref();
        onStop = () => giveUp("before nxrun was interrupted");
        stop?.addEventListener("abort", onStop, { once: true });
      });
      await Promise.race([provider.shutdown().catch(() => undefined), bound]);
      clearTimeout(timer);
      if (onStop) stop?.removeEventListener("abort", onStop);
    },
  };
}

/** A run's tracer (src/trace/run-tracer.ts) over its own OTLP provider: its reporter flushes (bounded) on close. */
export function startRunTracing(options: {
  pipeline: Pipeline;
  version: string;
  warn: (message: string) => void;
  /** TRACEPARENT / TRACESTATE of the environment. */
  parent?: { traceparent?: string | undefined; tracestate?: string | undefined };
  /** Aborted while the spans are flushed: stop waiting for the collector. */
  stop?: AbortSignal;
}): RunTracer {
  const otlp = startOtlpTracing(options);
  const run = createRunTracer({
    tracer: otlp.tracer,
    pipeline: options.pipeline,
    parent: options.parent,
  });
  return { startHeaders: run.startHeaders, reporter: { ...run.reporter, close: () => otlp.shutdown() } };
}
