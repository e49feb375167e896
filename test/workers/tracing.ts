/**
 * The test worker's tracing, on when OTEL_EXPORTER_OTLP_ENDPOINT is set: the SDK's OpenTelemetry
 * interceptors (@temporalio/interceptors-opentelemetry) read the caller's context from an activity's
 * `_tracer-data` header and a Nexus operation's `traceparent` header, and their spans are exported
 * over OTLP/HTTP as a team's worker would export them. A worker process of its own: registering the
 * W3C propagator and a context manager globally (which the interceptors read) is its business.
 */
import { context, propagation } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, StackContextManager, TracerProvider } from "@opentelemetry/sdk-trace";
import {
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryNexusInboundInterceptor,
} from "@temporalio/interceptors-opentelemetry/lib/worker/index.js";
import type { WorkerInterceptors } from "@temporalio/worker";

export interface WorkerTracing {
  readonly interceptors: WorkerInterceptors;
  shutdown(): Promise<void>;
}

export function workerTracing(env: NodeJS.ProcessEnv): WorkerTracing | undefined {
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT) return undefined;
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  // The interceptors start their span inside context.with(the caller's context): a context manager
  // must carry it; the span's parent is read synchronously there, which a stack manager does.
  context.setGlobalContextManager(new StackContextManager().enable());
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ "service.name": env.OTEL_SERVICE_NAME ?? "nxrun-test-worker" }),
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter(), scheduledDelayMillis: 200 })],
  });
  const tracer = provider.getTracer("nxrun-test-worker");
  return {
    interceptors: {
      activity: [(ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx, { tracer }) })],
      nexus: [(ctx) => ({ inbound: new OpenTelemetryNexusInboundInterceptor(ctx, { tracer }) })],
    },
    shutdown: () => provider.shutdown(),
  };
}
