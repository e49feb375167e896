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

describe("the exporter's variables, judged before the run", () => {
  const on = { OTEL_TRACES_EXPORTER: "otlp" };

  it("an endpoint that is not an http(s) URL: not traced, saying which variable, never its value", () => {
    for (const endpoint of ["not a url", "ftp://collector:4318", "localhost:4318", "http//user:pw-7Qz@collector"]) {
      const wanted = traceSwitch(true, { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint });
      expect(wanted.on).toBe(false);
      expect(wanted.warning).toMatch(
        /^OTEL_EXPORTER_OTLP_ENDPOINT is not an http:\/\/ or https:\/\/ URL .*; the run is not traced$/,
      );
      expect(wanted.warning).not.toContain("pw-7Qz");
    }
    // The traces-specific one is the one the exporter uses.
    expect(
      traceSwitch(undefined, {
        ...on,
        OTEL_EXPORTER_OTLP_ENDPOINT: "x",
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "https://c/v1/traces",
      }),
    ).toEqual({ on: true });
    expect(traceSwitch(undefined, { ...on, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "::" }).warning).toMatch(
      /^OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is not/,
    );
    expect(traceSwitch(true, { OTEL_EXPORTER_OTLP_ENDPOINT: "https://collector.example:4318" })).toEqual({ on: true });
    // Not traced at all: nothing to say.
    expect(traceSwitch(undefined, { OTEL_EXPORTER_OTLP_ENDPOINT: "not a url" })).toEqual({ on: false });
  });

  it("a protocol other than OTLP over HTTP (grpc): not traced, saying what to set", () => {
    const wanted = traceSwitch(true, { OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" });
    expect(wanted).toEqual({
      on: false,
      warning:
        "OTEL_EXPORTER_OTLP_PROTOCOL=grpc is not a protocol nxrun exports with (it sends OTLP over HTTP: set http/protobuf and the collector's HTTP port, 4318 by default); the run is not traced",
    });
    expect(
      traceSwitch(true, { OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "grpc", OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf" })
        .on,
    ).toBe(false);
    expect(traceSwitch(true, { OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf" })).toEqual({ on: true });
    expect(traceSwitch(true, { OTEL_EXPORTER_OTLP_PROTOCOL: "http/json" })).toEqual({ on: true });
  });

  it("a TRACEPARENT that is not W3C: traced without a parent, and said", () => {
    for (const bad of [
      "garbage",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
      "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
    ]) {
      const wanted = traceSwitch(true, { TRACEPARENT: bad });
      expect(wanted.on, bad).toBe(true);
      expect(wanted.warning, bad).toMatch(
        /^TRACEPARENT is not a W3C traceparent .*; the run's trace starts without a parent$/,
      );
    }
    expect(traceSwitch(true, { TRACEPARENT: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" })).toEqual({
      on: true,
    });
    // A later version may carry more fields.
    expect(traceSwitch(true, { TRACEPARENT: "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x" })).toEqual({
      on: true,
    });
    expect(traceSwitch(true, { TRACEPARENT: "" })).toEqual({ on: true });
  });
});
