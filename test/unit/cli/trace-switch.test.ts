import { describe, expect, it } from "vitest";
import { traceSwitch } from "../../../src/cli/trace-switch.js";

describe("whether a run is traced", () => {
  it("is off by default, on with --trace or OTEL_TRACES_EXPORTER=otlp", () => {
    expect(traceSwitch(undefined, {})).toEqual({ on: false });
    expect(traceSwitch(true, {})).toEqual({ on: true });
    expect(traceSwitch(undefined, { OTEL_TRACES_EXPORTER: "otlp" })).toEqual({ on: true });
    expect(traceSwitch(undefined, { OTEL_TRACES_EXPORTER: " console, OTLP " })).toEqual({ on: true });
  });

  it("is off with OTEL_TRACES_EXPORTER=none or OTEL_SDK_DISABLED=true, even with --trace", () => {
    expect(traceSwitch(true, { OTEL_TRACES_EXPORTER: "none" })).toEqual({ on: false });
    expect(traceSwitch(true, { OTEL_SDK_DISABLED: "TRUE" })).toEqual({ on: false });
  });

  it("says why --trace does nothing when the environment names only exporters nxrun lacks", () => {
    expect(traceSwitch(true, { OTEL_TRACES_EXPORTER: "zipkin" })).toEqual({
      on: false,
      warning: "OTEL_TRACES_EXPORTER=zipkin names no exporter nxrun has (it has otlp); the run is not traced",
    });
    expect(traceSwitch(undefined, { OTEL_TRACES_EXPORTER: "zipkin" })).toEqual({ on: false });
  });
});
