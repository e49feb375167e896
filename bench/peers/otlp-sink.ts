/**
 * An OpenTelemetry collector for B2 with `--trace`: OTLP/HTTP on loopback, answering every export to
 * `/v1/traces` with 200 and an empty ExportTraceServiceResponse (a protobuf message with no fields is
 * zero bytes), as a collector that took the spans does. It keeps no spans, only what `GET /stats`
 * answers: the export requests and bytes it took, so the bench can show the spans were sent.
 *
 *   node dist/bench/peers/otlp-sink.js --port P      (prints "otlp sink ready" once listening)
 */
import { createServer } from "node:http";
import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { port: { type: "string", default: "0" } } });

const stats = { requests: 0, bytes: 0 };
const server = createServer((req, res) => {
  let bytes = 0;
  req.on("data", (chunk: Buffer) => {
    bytes += chunk.length;
  });
  req.on("end", () => {
    if (req.method === "GET" && req.url === "/stats") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(stats));
      return;
    }
    if (req.method !== "POST" || req.url !== "/v1/traces") {
      res.writeHead(404).end();
      return;
    }
    stats.requests += 1;
    stats.bytes += bytes;
    res.writeHead(200, { "content-type": "application/x-protobuf" }).end();
  });
});
server.listen(Number(values.port), "127.0.0.1", () => process.stdout.write("otlp sink ready\n"));
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => server.close());
