/**
 * TLS, mTLS and API keys through a real TLS-terminating gRPC proxy (Debian's nginx with grpc_pass)
 * in front of the dev server, with certificates made by openssl for this test.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { connect as connectTcp } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, stopProcess } from "../../../scripts/dev-server.js";
import { UserError } from "../../../src/base/user-error.js";
import { connect } from "../../../src/temporal/connect.js";
import { resolveConnection } from "../../../src/temporal/connection-config.js";
import { AuthError } from "../../../src/temporal/service-errors.js";
import { stack, uniqueId } from "../../support/e2e/harness.js";
import { makeCa, makeLeaf } from "../../support/tls/certs.js";

const API_KEY = "e2e-good-key";

function hasTool(name: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const tools = hasTool("nginx") && hasTool("openssl");

/** True when something accepts TCP connections on the loopback port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connectTcp(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** A CA, a server certificate for 127.0.0.1/localhost, a client certificate, and an unrelated CA. */
function makeCertificates(dir: string) {
  makeCa(dir, "ca", "nxrun ca");
  makeCa(dir, "other-ca", "nxrun other-ca");
  makeLeaf(dir, "server", "ca", "temporal.test", "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:temporal.test\n");
  makeLeaf(dir, "client", "ca", "nxrun client", "extendedKeyUsage=clientAuth\n");
}

/** nginx: one port with TLS + API key check, one with mTLS (client certificate required). */
function nginxConfig(dir: string, upstream: string, tlsPort: number, mtlsPort: number): string {
  return `
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
daemon off;
events {}
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${tlsPort} ssl http2;
    ssl_certificate ${dir}/server.crt;
    ssl_certificate_key ${dir}/server.key;
    location / {
      if ($http_authorization != "Bearer ${API_KEY}") { return 401; }
      grpc_pass grpc://${upstream};
    }
  }
  server {
    listen 127.0.0.1:${mtlsPort} ssl http2;
    ssl_certificate ${dir}/server.crt;
    ssl_certificate_key ${dir}/server.key;
    ssl_client_certificate ${dir}/ca.crt;
    ssl_verify_client on;
    location / { grpc_pass grpc://${upstream}; }
  }
}
`;
}

describe.skipIf(!tools)("TLS, mTLS and API keys through nginx (skipped when nginx or openssl is missing)", () => {
  let dir: string;
  let nginx: ChildProcess;
  let tlsAddress: string;
  let mtlsAddress: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "nxrun-tls-"));
    makeCertificates(dir);
    const [tlsPort, mtlsPort] = [await freePort(), await freePort()];
    tlsAddress = `127.0.0.1:${tlsPort}`;
    mtlsAddress = `127.0.0.1:${mtlsPort}`;
    writeFileSync(join(dir, "nginx.conf"), nginxConfig(dir, stack().address, tlsPort, mtlsPort));
    nginx = spawn("nginx", ["-p", dir, "-c", join(dir, "nginx.conf")], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    nginx.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
    // Ready when both ports accept connections.
    const deadline = Date.now() + 15_000;
    while (!((await accepts(tlsPort)) && (await accepts(mtlsPort)))) {
      if (Date.now() > deadline || nginx.exitCode !== null) throw new Error(`nginx did not start: ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  afterAll(async () => {
    if (nginx) await stopProcess(nginx);
  });

  const env = () => ({ HOME: join(dir, "no-home") });
  /** Connects with these connection flags (no profile, no HOME), runs one echo activity through the proxy, closes. */
  const echoThrough = async (flags: Parameters<typeof resolveConnection>[0]) => {
    const client = await connect(await resolveConnection(flags, undefined, env()));
    try {
      const id = uniqueId("tls");
      await client.activities.start({
        id,
        activityType: "echo",
        taskQueue: stack().taskQueue,
        args: ["over tls"],
        startToClose: 10_000,
      });
      return await client.activities.awaitOutcome(id, undefined);
    } finally {
      client.close();
    }
  };

  it("runs an activity through TLS with an API key", async () => {
    expect(await echoThrough({ address: tlsAddress, apiKey: API_KEY, tlsCaPath: join(dir, "ca.crt") })).toEqual({
      status: "completed",
      result: "over tls",
    });
  });

  it("runs an activity through mTLS, verifying the server by a given name", async () => {
    const outcome = await echoThrough({
      address: mtlsAddress,
      tlsCaData: readFileSync(join(dir, "ca.crt"), "utf8"),
      tlsCertPath: join(dir, "client.crt"),
      tlsKeyPath: join(dir, "client.key"),
      tlsServerName: "temporal.test",
    });
    expect(outcome).toEqual({ status: "completed", result: "over tls" });
  });

  it("a bad API key is an AuthError with a hint, and the key is never printed", async () => {
    const options = await resolveConnection(
      { address: tlsAddress, apiKey: "WRONG-KEY-123", tlsCaPath: join(dir, "ca.crt") },
      undefined,
      env(),
    );
    const error = (await connect(options).catch((e: unknown) => e)) as UserError;
    expect(error).toBeInstanceOf(AuthError);
    expect(error.exitCode).toBe(3);
    expect(error.hint).toMatch(/API key/);
    expect(`${error.message} ${error.hint}`).not.toContain("WRONG-KEY-123");
  });

  it("a wrong CA and a missing client certificate each fail with a TLS hint", async () => {
    const wrongCa = await resolveConnection(
      { address: tlsAddress, apiKey: API_KEY, tlsCaPath: join(dir, "other-ca.crt") },
      undefined,
      env(),
    );
    const noCert = await resolveConnection({ address: mtlsAddress, tlsCaPath: join(dir, "ca.crt") }, undefined, env());
    for (const [options, hint] of [
      [wrongCa, /--tls-ca-path/],
      [noCert, /--tls-cert-path/],
    ] as const) {
      const error = (await connect({ ...options, connectTimeout: 5000 }).catch((e: unknown) => e)) as UserError;
      expect(error, String(error)).toBeInstanceOf(UserError);
      expect(error.exitCode).toBe(3);
      expect(error.message).toContain(options.address);
      expect(error.message).not.toContain("\n");
      expect(error.hint, `${error.name}: ${error.message}`).toMatch(hint);
    }
    // This nginx answers the missing certificate with plain HTTP 400: a credentials problem.
    const missing = (await connect({ ...noCert, connectTimeout: 5000 }).catch((e: unknown) => e)) as UserError;
    expect(missing, `${missing.name}: ${missing.message}`).toBeInstanceOf(AuthError);
    expect(missing.hint).toMatch(/^mTLS: /);
  });

  it("plaintext to a TLS port fails with a hint instead of hanging", async () => {
    const error = (await connect({ address: tlsAddress, namespace: "default", connectTimeout: 5000 }).catch(
      (e: unknown) => e,
    )) as UserError;
    expect(error).toBeInstanceOf(UserError);
    expect(error.message).toContain(tlsAddress);
    expect(error).not.toBeInstanceOf(AuthError);
    expect(error.hint).toMatch(/may require TLS: pass --tls/);
  });
});
