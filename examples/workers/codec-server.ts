/**
 * The example codec server: `node dist/examples/workers/codec-server.js [--port 8081]`, on 127.0.0.1.
 * Temporal's codec server protocol over encryption-codec.ts: `POST /encode` and `/decode` with
 * `{"payloads": [...]}` in proto3 JSON, as nxrun (--codec-endpoint), the `temporal` CLI and the Web UI
 * call it. With CODEC_AUTH set, a request must carry it as its Authorization header. Prints
 * "codec server ready on <url>" once listening; stops on SIGINT/SIGTERM.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { parseArgs } from "node:util";
import type { Payload } from "@temporalio/common";
import { EncryptionCodec } from "./encryption-codec.js";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "8081" },
    // The Web UI calls from the browser: its origin may call (CORS).
    "ui-origin": { type: "string", default: "http://localhost:8233" },
  },
});

const codec = new EncryptionCodec();
const auth = process.env.CODEC_AUTH;

type JsonPayload = { metadata?: Record<string, string>; data?: string };

function fromJson(p: JsonPayload): Payload {
  const metadata: Record<string, Uint8Array> = {};
  for (const [key, value] of Object.entries(p.metadata ?? {})) metadata[key] = Buffer.from(value, "base64");
  return { metadata, data: Buffer.from(p.data ?? "", "base64") };
}

function toJson(p: Payload): JsonPayload {
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(p.metadata ?? {})) metadata[key] = Buffer.from(value).toString("base64");
  return { metadata, data: Buffer.from(p.data ?? new Uint8Array()).toString("base64") };
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  res.setHeader("access-control-allow-origin", values["ui-origin"]);
  res.setHeader("access-control-allow-methods", "POST");
  res.setHeader("access-control-allow-headers", "content-type,x-namespace,authorization");
  if (req.method === "OPTIONS") return void res.end();
  const op = req.url === "/encode" ? "encode" : req.url === "/decode" ? "decode" : undefined;
  if (req.method !== "POST" || op === undefined) {
    res.writeHead(404).end("POST /encode or /decode");
    return;
  }
  if (auth !== undefined && req.headers.authorization !== auth) {
    res.writeHead(401).end("unauthorized");
    return;
  }
  const { payloads } = JSON.parse(await body(req)) as { payloads?: JsonPayload[] };
  const result = await codec[op]((payloads ?? []).map(fromJson));
  res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ payloads: result.map(toJson) }));
}

const server = createServer((req, res) => {
  handle(req, res).catch((error: unknown) => {
    res.writeHead(400).end(error instanceof Error ? error.message : String(error));
  });
});
server.listen(Number(values.port), "127.0.0.1", () => {
  process.stdout.write(`codec server ready on http://127.0.0.1:${values.port}\n`);
});
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => server.close());
