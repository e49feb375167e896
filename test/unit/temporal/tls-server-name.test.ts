/**
 * Which TLS server name (SNI) the client sends, against a local HTTP/2 TLS server that answers
 * GetSystemInfo as a gRPC server would and records the name each connection carried. An IP address
 * is never sent as the server name (RFC 6066; Node warns DEP0123); a host name, or --tls-server-name,
 * is sent and verified. Certificates come from the openssl CLI.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createSecureServer, type Http2SecureServer } from "node:http2";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { UserError } from "../../../src/base/user-error.js";
import { connect } from "../../../src/temporal/connect.js";
import { wf } from "../../../src/temporal/proto.js";
import { UnavailableError } from "../../../src/temporal/service-errors.js";
import type { ConnectionOptions } from "../../../src/temporal/types.js";
import { makeCa, makeLeaf } from "../../support/tls/certs.js";

let dir: string;
let server: Http2SecureServer;
let port: number;
let ca: string;
/** The server name of each TLS connection, or false when the client sent none. */
const serverNames: Array<string | false> = [];
const warnings: Array<{ code?: string; message: string }> = [];
const onWarning = (warning: Error & { code?: string }) =>
  warnings.push({ code: warning.code, message: warning.message });

/** One length-prefixed gRPC message. */
function grpcFrame(message: Uint8Array): Buffer {
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt32BE(message.length, 1);
  Buffer.from(message).copy(frame, 5);
  return frame;
}

beforeAll(async () => {
  process.on("warning", onWarning);
  dir = mkdtempSync(join(tmpdir(), "nxrun-sni-"));
  makeCa(dir, "ca", "sni test CA");
  makeLeaf(dir, "server", "ca", "localhost", "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:temporal.test\n");
  ca = readFileSync(join(dir, "ca.crt"), "utf8");
  server = createSecureServer({
    key: readFileSync(join(dir, "server.key")),
    cert: readFileSync(join(dir, "server.crt")),
    ALPNProtocols: ["h2"],
  });
  server.on("secureConnection", (socket: TLSSocket) => serverNames.push(socket.servername ?? false));
  server.on("stream", (stream) => {
    stream.resume();
    stream.on("end", () => {
      stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
      stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
      stream.end(grpcFrame(wf.GetSystemInfoResponse.encode({ serverVersion: "sni-test" }).finish()));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  process.off("warning", onWarning);
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

/** Connects (GetSystemInfo) and returns the server name the server saw, or the error. */
async function serverNameSent(options: Partial<ConnectionOptions> & { address: string }) {
  serverNames.length = 0;
  const client = await connect({ namespace: "default", connectTimeout: 5000, ...options }).catch((e: unknown) => e);
  if (client instanceof Error) return { error: client as UserError, sent: serverNames[0] };
  (client as { close(): void }).close();
  return { sent: serverNames[0] };
}

describe("TLS server name", () => {
  it("sends no server name for an IP address (no DEP0123 warning), and still verifies the IP", async () => {
    const result = await serverNameSent({ address: `127.0.0.1:${port}`, tls: { serverRootCaCertificate: ca } });
    expect(result.error).toBeUndefined();
    expect(result.sent).toBe(false);
    // Warnings are emitted on the next tick.
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings.filter((w) => w.code === "DEP0123")).toEqual([]);
  });

  it("sends a host name", async () => {
    const result = await serverNameSent({ address: `localhost:${port}`, tls: { serverRootCaCertificate: ca } });
    expect(result.error).toBeUndefined();
    expect(result.sent).toBe("localhost");
  });

  it("sends --tls-server-name to an IP address and verifies the certificate against it", async () => {
    const named = await serverNameSent({
      address: `127.0.0.1:${port}`,
      tls: { serverRootCaCertificate: ca, serverName: "temporal.test" },
    });
    expect(named.error).toBeUndefined();
    expect(named.sent).toBe("temporal.test");
    const wrong = await serverNameSent({
      address: `127.0.0.1:${port}`,
      tls: { serverRootCaCertificate: ca, serverName: "other.test" },
    });
    expect(wrong.error).toBeInstanceOf(UnavailableError);
    expect(wrong.error?.message).toMatch(/other\.test/);
    expect(wrong.error?.hint).toMatch(/--tls-server-name/);
    // Host verification off: the name is still sent, the certificate's names are not checked.
    const unchecked = await serverNameSent({
      address: `127.0.0.1:${port}`,
      tls: { serverRootCaCertificate: ca, serverName: "other.test", disableHostVerification: true },
    });
    expect(unchecked.error).toBeUndefined();
    expect(unchecked.sent).toBe("other.test");
  });

  it("refuses a server whose certificate no trusted CA signed", async () => {
    const result = await serverNameSent({ address: `127.0.0.1:${port}`, tls: {} });
    expect(result.error).toBeInstanceOf(UnavailableError);
    expect(result.error?.hint).toMatch(/--tls-ca-path/);
  });
});
