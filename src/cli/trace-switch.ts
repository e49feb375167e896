/**
 * Whether a run is traced: `--trace`, or `OTEL_TRACES_EXPORTER=otlp` as the OpenTelemetry SDKs read
 * it; `OTEL_TRACES_EXPORTER=none` or `OTEL_SDK_DISABLED=true` turn it off even with `--trace`. No
 * import of its own: a run that is not traced loads nothing of OpenTelemetry (src/trace/otlp.ts is
 * imported only when this says so).
 */
export type TraceSwitch = { on: true } | { on: false; warning?: string };

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
  return flag === true || exporters.includes("otlp") ? { on: true } : { on: false };
}
