/**
 * A codec server for B2 and B3 with a codec: Temporal's codec server protocol (POST /encode and
 * /decode, `{"payloads": [...]}` in proto3 JSON) answering each batch with the payloads it was
 * given, parsed and written again as a codec server does. The bench's worker has no codec, so the
 * payloads must reach it unchanged; what is measured is nxrun's side of the round trips.
 *
 *   node dist/bench/peers/codec-echo.js --port P      (prints "codec server ready" once listening)
 */
import { createServer } from "node:http";
import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { port: { type: "string", default: "0" } } });

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    if (req.method !== "POST" || (req.url !== "/encode" && req.url !== "/decode")) {
      res.writeHead(404).end();
      return;
    }
    const { payloads } = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { payloads?: unknown[] };
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ payloads: payloads ?? [] }));
  });
});
server.listen(Number(values.port), "127.0.0.1", () => process.stdout.write("codec server ready\n"));
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => server.close());
