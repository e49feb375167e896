/**
 * Whether a run is traced: `--trace`, or `OTEL_TRACES_EXPORTER=otlp` as the OpenTelemetry SDKs read
 * it; `OTEL_TRACES_EXPORTER=none` or `OTEL_SDK_DISABLED=true` turn it off even with `--trace`. No
 * import of its own: a run that is not traced loads nothing of OpenTelemetry (src/trace/otlp.ts is
 * imported only when this says so).
 *
 * The variables the exporter reads are judged here, before the run: the SDK replaces an endpoint it
 * cannot parse with localhost:4318 and ignores a protocol or TRACEPARENT it cannot use, all silently,
 * so a typo would cost the flush bound and a warning about an address the user never gave.
 */
export type TraceSwitch = { on: true; warning?: string } | { on: false; warning?: string };

/** The exporter speaks OTLP over HTTP; a collector's HTTP port takes JSON and protobuf alike. */
const HTTP_PROTOCOLS = new Set(["http/protobuf", "http/json"]);

/** A W3C traceparent as @opentelemetry/core's propagator accepts it (version 00 has exactly four fields). */
const TRACEPARENT = /^\s?(?!ff)([\da-f]{2})-(?![0]{32})[\da-f]{32}-(?![0]{16})[\da-f]{16}-[\da-f]{2}(-.*)?\s?$/;

export function traceSwitch(flag: boolean | undefined, env: NodeJS.ProcessEnv): TraceSwitch {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === "true") return { on: false };
  const exporters = (env.OTEL_TRACES_EXPORTER ?? "")
    .split(",")
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== "");
  if (exporters.includes("none")) return { on: false };
  if (exporters.length > 0 && !exporters.includes("otlp")) {
    return flag === true
      ? {
          on: false,
          warning: `OTEL_TRACES_EXPORTER=${env.OTEL_TRACES_EXPORTER} names no exporter nxrun has (it has otlp); the run is not traced`,
        }
      : { on: false };
  }
  if (flag !== true && !exporters.includes("otlp")) return { on: false };
  const unusable = exporterProblem(env);
  if (unusable !== undefined) return { on: false, warning: `${unusable}; the run is not traced` };
  const parent = env.TRACEPARENT?.trim();
  if (parent && !isTraceparent(parent)) {
    return {
      on: true,
      warning:
        "TRACEPARENT is not a W3C traceparent (00-<32 hex trace ID>-<16 hex span ID>-<2 hex flags>); the run's trace starts without a parent",
    };
  }
  return { on: true };
}

/**
 * What makes the exporter's variables unusable, naming the variable (never its value: an endpoint
 * may carry credentials); undefined when they are usable.
 */
function exporterProblem(env: NodeJS.ProcessEnv): string | undefined {
  // The traces-specific variable wins over the general one, as the exporter reads them.
  const endpointName = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim()
    ? "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
    : "OTEL_EXPORTER_OTLP_ENDPOINT";
  const endpoint = env[endpointName]?.trim();
  if (endpoint && !isHttpUrl(endpoint)) {
    return `${endpointName} is not an http:// or https:// URL (the collector's OTLP/HTTP address, e.g. http://localhost:4318)`;
  }
  const protocolName = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL?.trim()
    ? "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"
    : "OTEL_EXPORTER_OTLP_PROTOCOL";
  const protocol = env[protocolName]?.trim().toLowerCase();
  if (protocol && !HTTP_PROTOCOLS.has(protocol)) {
    return `${protocolName}=${protocol} is not a protocol nxrun exports with (it sends OTLP over HTTP: set http/protobuf and the collector's HTTP port, 4318 by default)`;
  }
  return undefined;
}

function isHttpUrl(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const { protocol } = new URL(text);
  return protocol === "http:" || protocol === "https:";
}

function isTraceparent(text: string): boolean {
  const match = TRACEPARENT.exec(text);
  // Version 00 has no fields after the flags; a later version may.
  return match !== null && !(match[1] === "00" && match[2] !== undefined);
}
