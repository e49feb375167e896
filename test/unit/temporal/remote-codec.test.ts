import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExitCode } from "../../../src/base/exit-codes.js";
import type { Payload } from "../../../src/temporal/payload-codec.js";
import { decodePayload, encodePayload, payloadEncoding } from "../../../src/temporal/payloads.js";
import { CodecError, MAX_ANSWER_BYTES, remoteCodec } from "../../../src/temporal/remote-codec.js";

interface Seen {
  url: string;
  headers: IncomingMessage["headers"];
  body: unknown;
}

/** How the test server answers the next request; by default it reverses each payload's data. */
let answer: (body: { payloads: Array<{ metadata: Record<string, string>; data?: string }> }) => {
  status: number;
  text: string;
} = (body) => ({
  status: 200,
  text: JSON.stringify({
    payloads: body.payloads.map((p) => ({
      metadata: { ...p.metadata, reversed: Buffer.from("yes").toString("base64") },
      data: Buffer.from(p.data ?? "", "base64")
        .reverse()
        .toString("base64"),
    })),
  }),
});
const seen: Seen[] = [];
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk: Buffer) => {
      raw += chunk.toString();
    });
    req.on("end", () => {
      const body = JSON.parse(raw);
      seen.push({ url: req.url ?? "", headers: req.headers, body });
      const { status, text } = answer(body);
      res.writeHead(status, { "content-type": "application/json" });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const defaultAnswer = answer;
async function codecError(promise: Promise<unknown>): Promise<CodecError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CodecError);
  return error as CodecError;
}

describe("the remote codec", () => {
  it("posts one batch in proto3 JSON with X-Namespace, Authorization and the headers, and reads the answer", async () => {
    answer = defaultAnswer;
    seen.length = 0;
    const codec = remoteCodec(
      { endpoint: `${base}/{namespace}/`, auth: "Bearer SECRET-AUTH", headers: { "X-Tenant": "t1" } },
      "payments",
    );
    const out = await codec.encode([encodePayload({ a: 1 }), encodePayload("two")], "the input of activity a");
    expect(seen).toHaveLength(1);
    const request = seen[0] as Seen;
    expect(request.url).toBe("/payments/encode");
    expect(request.headers["x-namespace"]).toBe("payments");
    expect(request.headers.authorization).toBe("Bearer SECRET-AUTH");
    expect(request.headers["x-tenant"]).toBe("t1");
    expect(request.headers["content-type"]).toBe("application/json");
    expect(request.body).toEqual({
      payloads: [
        {
          metadata: { encoding: Buffer.from("json/plain").toString("base64") },
          data: Buffer.from('{"a":1}').toString("base64"),
        },
        {
          metadata: { encoding: Buffer.from("json/plain").toString("base64") },
          data: Buffer.from('"two"').toString("base64"),
        },
      ],
    });
    expect(out.map((p) => payloadEncoding(p))).toEqual(["json/plain", "json/plain"]);
    expect(new TextDecoder().decode((out[0] as Payload).data ?? undefined)).toBe('}1:"a"{');
    const back = await codec.decode(out, "the outcome of activity a");
    expect(seen[1]?.url).toBe("/payments/decode");
    expect(back.map(decodePayload)).toEqual([{ a: 1 }, "two"]);
  });

  it("ends in a CodecError (exit 3) naming the endpoint and the payloads, never the auth value", async () => {
    const codec = remoteCodec({ endpoint: base, auth: "SECRET-AUTH", headers: { "X-Key": "SECRET-HEADER" } }, "ns");
    answer = () => ({ status: 500, text: "boom: token SECRET-AUTH rejected, key SECRET-HEADER" });
    const refused = await codecError(codec.decode([encodePayload(1)], "the outcome of activity a"));
    expect(refused.exitCode).toBe(ExitCode.server);
    expect(refused.message).toContain(
      `the codec server ${base}/decode refused to decode the outcome of activity a: HTTP 500`,
    );
    expect(refused.message).toContain("boom");
    expect(refused.message).not.toContain("SECRET-AUTH");
    expect(refused.message).not.toContain("SECRET-HEADER");
    expect(refused.hint).toContain("--codec-endpoint");

    answer = () => ({ status: 200, text: JSON.stringify({ payloads: [] }) });
    const few = await codecError(codec.encode([encodePayload(1), encodePayload(2)], "the input of activity b"));
    expect(few.message).toContain("answered 0 payloads for 2 to encode the input of activity b");

    answer = () => ({ status: 200, text: "<html>" });
    const notJson = await codecError(codec.decode([encodePayload(1)], "x"));
    expect(notJson.message).toContain("with something that is not JSON");

    answer = () => ({ status: 200, text: JSON.stringify({ payloads: [{ metadata: { encoding: 5 } }] }) });
    const notPayload = await codecError(codec.decode([encodePayload(1)], "x"));
    expect(notPayload.message).toContain("payload 1 not a payload");
    answer = defaultAnswer;
  });

  it("follows no redirect: the payloads never reach the other URL", async () => {
    const other = createServer((_req, res) => {
      otherHits++;
      res.writeHead(200, { "content-type": "application/json" }).end('{"payloads":[]}');
    });
    let otherHits = 0;
    await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
    const to = `http://user:LOCATION-PW@127.0.0.1:${(other.address() as AddressInfo).port}/encode`;
    const redirecting = createServer((_req, res) => void res.writeHead(307, { location: to }).end());
    await new Promise<void>((resolve) => redirecting.listen(0, "127.0.0.1", resolve));
    const from = `http://127.0.0.1:${(redirecting.address() as AddressInfo).port}`;
    try {
      const codec = remoteCodec({ endpoint: from, auth: "SECRET-AUTH" }, "ns");
      const error = await codecError(codec.encode([encodePayload("clear text")], "the input of activity a"));
      expect(error.message).toContain(`the codec server ${from}/encode answered to encode the input of activity a`);
      expect(error.message).toContain("redirect (HTTP 307)");
      expect(error.message).not.toContain("LOCATION-PW");
      expect(error.hint).toContain("--codec-endpoint");
      expect(otherHits).toBe(0);
    } finally {
      other.close();
      redirecting.close();
    }
  });

  it("reads no more of an answer than it may hold", async () => {
    const huge = createServer(async (req, res) => {
      for await (const _ of req);
      res.writeHead(req.url === "/refuse/encode" ? 500 : 200, { "content-type": "application/json" });
      const chunk = Buffer.alloc(1024 * 1024, "a");
      res.write('{"payloads":["');
      for (let i = 0; i <= MAX_ANSWER_BYTES / chunk.length && !res.destroyed; i++) {
        if (!res.write(chunk)) await new Promise((resolve) => res.once("drain", resolve));
      }
      res.end('"]}');
    });
    await new Promise<void>((resolve) => huge.listen(0, "127.0.0.1", resolve));
    const at = `http://127.0.0.1:${(huge.address() as AddressInfo).port}`;
    try {
      const tooBig = await codecError(remoteCodec({ endpoint: at }, "ns").encode([encodePayload(1)], "x"));
      expect(tooBig.message).toContain(`answered to encode x with more than ${MAX_ANSWER_BYTES / 1024 / 1024} MiB`);
      const refused = await codecError(remoteCodec({ endpoint: `${at}/refuse` }, "ns").encode([encodePayload(1)], "x"));
      expect(refused.message).toContain("HTTP 500");
      expect(refused.message.length).toBeLessThan(1000);
    } finally {
      huge.closeAllConnections();
      huge.close();
    }
  });

  it("takes a payload still binary/encrypted after decode for a codec that could not decrypt it", async () => {
    const codec = remoteCodec({ endpoint: base, auth: "SECRET-AUTH" }, "ns");
    const encrypted = { metadata: { encoding: Buffer.from("binary/encrypted").toString("base64") }, data: "AAAA" };
    answer = () => ({ status: 200, text: JSON.stringify({ payloads: [encrypted] }) });
    try {
      const error = await codecError(codec.decode([encodePayload(1)], "the outcome of activity a"));
      expect(error.message).toContain(
        `the codec server ${base}/decode answered to decode the outcome of activity a with payload 1 still binary/encrypted`,
      );
      expect(error.hint).toContain("key");
      // Encoding into binary/encrypted is what a codec is for.
      const encoded = await codec.encode([encodePayload(1)], "the input of activity a");
      expect(payloadEncoding(encoded[0] as Payload)).toBe("binary/encrypted");
    } finally {
      answer = defaultAnswer;
    }
  });

  it("stops a call when its signal aborts, with the signal's reason rather than a codec error", async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const codec = remoteCodec({ endpoint: `http://127.0.0.1:${(silent.address() as AddressInfo).port}` }, "ns");
    try {
      const stop = new AbortController();
      const reason = new Error("interrupted");
      const pending = codec.decode([encodePayload(1)], "the outcome of activity a", stop.signal).then(
        () => "answered",
        (e: unknown) => e,
      );
      // Aborted while the request waits for an answer that never comes.
      setImmediate(() => stop.abort(reason));
      expect(await pending).toBe(reason);
      // Closing stops what is still under way, so nothing keeps the process waiting.
      const unanswered = codec.encode([encodePayload(2)], "the input of activity b");
      setImmediate(() => codec.close?.());
      expect((await codecError(unanswered)).message).toContain("was stopped: the client closed");
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });

  it("says in words that an https endpoint met a server without TLS", async () => {
    const codec = remoteCodec({ endpoint: base.replace("http:", "https:") }, "ns");
    const error = await codecError(codec.encode([encodePayload(1)], "the input of activity a"));
    expect(error.message).toContain("the TLS handshake failed (ERR_SSL_WRONG_VERSION_NUMBER)");
    expect(error.message).toContain("is it http://?");
    expect(error.message).not.toContain("\n");
  });

  it("says a codec server that is not there could not be reached", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const codec = remoteCodec({ endpoint: `http://127.0.0.1:${port}`, auth: "SECRET-AUTH" }, "ns");
    const down = await codecError(codec.encode([encodePayload(1)], "the input of activity a"));
    expect(down.message).toContain(
      `the codec server http://127.0.0.1:${port}/encode could not be reached to encode the input of activity a`,
    );
    expect(down.message).toContain("ECONNREFUSED");
    expect(down.message).not.toContain("SECRET-AUTH");
  });
});
