/**
 * A tracing backend for the tests: an OTLP/HTTP receiver on loopback that accepts what exporters send
 * to `/v1/traces` (protobuf, as nxrun's and the Python worker's exporters send it; JSON too) and decodes
 * it with the OpenTelemetry protocol's own definitions (./otlp-proto). Why not Jaeger v2: building it
 * from Go modules takes many minutes on a CI runner; decoding the same protocol here checks what
 * matters (what was exported) without it.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import protobuf from "protobufjs";

/** A span as received: IDs in hex, attributes as plain values, the resource's service name. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  service: string;
  scope: string;
  attributes: Record<string, unknown>;
  status: { code: number; message: string };
  startNanos: bigint;
  endNanos: bigint;
}

export interface OtlpReceiver {
  /** `http://127.0.0.1:PORT`, the value of OTEL_EXPORTER_OTLP_ENDPOINT. */
  readonly endpoint: string;
  readonly spans: ReceivedSpan[];
  /** Every request body, raw, for checks that nothing secret was sent at all. */
  readonly bodies: Buffer[];
  close(): Promise<void>;
}

const root = new protobuf.Root();
root.resolvePath = (_origin, target) => join(import.meta.dirname, "otlp-proto", target);
root.loadSync("opentelemetry/proto/collector/trace/v1/trace_service.proto", { keepCase: false });
const Request = root.lookupType("opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest");
const Response = root.lookupType("opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse");

type AnyValue = {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number;
  arrayValue?: { values?: AnyValue[] };
};
type KeyValue = { key: string; value?: AnyValue };

function plain(value: AnyValue | undefined): unknown {
  if (value === undefined) return undefined;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.arrayValue !== undefined) return (value.arrayValue.values ?? []).map(plain);
  return undefined;
}

function attributesOf(list: KeyValue[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, plain(kv.value)]));
}

const hex = (bytes: string | undefined) => Buffer.from(bytes ?? "", "base64").toString("hex");

/** The spans of one export request, decoded. */
export function decodeExport(body: Buffer, contentType: string): ReceivedSpan[] {
  const message = contentType.includes("json")
    ? Request.fromObject(JSON.parse(body.toString("utf8")))
    : Request.decode(body);
  const request = Request.toObject(message, { longs: String, bytes: String, defaults: false }) as {
    resourceSpans?: Array<{
      resource?: { attributes?: KeyValue[] };
      scopeSpans?: Array<{
        scope?: { name?: string };
        spans?: Array<{
          traceId?: string;
          spanId?: string;
          parentSpanId?: string;
          name?: string;
          attributes?: KeyValue[];
          status?: { code?: number; message?: string };
          startTimeUnixNano?: string;
          endTimeUnixNano?: string;
        }>;
      }>;
    }>;
  };
  const spans: ReceivedSpan[] = [];
  for (const resourceSpans of request.resourceSpans ?? []) {
    const service = String(attributesOf(resourceSpans.resource?.attributes)["service.name"] ?? "");
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
      for (const span of scopeSpans.spans ?? []) {
        spans.push({
          traceId: hex(span.traceId),
          spanId: hex(span.spanId),
          parentSpanId: hex(span.parentSpanId),
          name: span.name ?? "",
          service,
          scope: scopeSpans.scope?.name ?? "",
          attributes: attributesOf(span.attributes),
          status: { code: span.status?.code ?? 0, message: span.status?.message ?? "" },
          startNanos: BigInt(span.startTimeUnixNano ?? 0),
          endNanos: BigInt(span.endTimeUnixNano ?? 0),
        });
      }
    }
  }
  return spans;
}

async function bodyOf(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Starts a receiver on a free loopback port. `answer`: "ok" takes the spans; "refuse" decodes them and
 * answers 500, as a collector in trouble; "never" reads the request and never answers, as a collector
 * behind a black hole.
 */
export async function startOtlpReceiver({
  answer = "ok",
}: {
  answer?: "ok" | "refuse" | "never";
} = {}): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const bodies: Buffer[] = [];
  const server: Server = createServer((request, response) => {
    void (async () => {
      const body = await bodyOf(request);
      if (request.method !== "POST" || request.url !== "/v1/traces") {
        response.writeHead(404).end();
        return;
      }
      bodies.push(body);
      const contentType = request.headers["content-type"] ?? "application/x-protobuf";
      try {
        spans.push(...decodeExport(body, contentType));
      } catch (error) {
        response.writeHead(400, { "content-type": "text/plain" }).end(String(error));
        return;
      }
      if (answer === "never") return;
      if (answer === "refuse") {
        response.writeHead(500, { "content-type": "text/plain" }).end("collector in trouble");
        return;
      }
      const accepted = Buffer.from(Response.encode(Response.create({})).finish());
      response.writeHead(200, { "content-type": "application/x-protobuf" }).end(accepted);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    spans,
    bodies,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
