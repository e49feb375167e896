/**
 * TLS, mTLS and API keys through the library's connect(), through a real TLS-terminating gRPC proxy
 * in front of the dev server (test/support/tls: nginx with grpc_pass, certificates made by openssl).
 */
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserError } from "../../../src/base/user-error.js";
import { connect } from "../../../src/temporal/connect.js";
import { resolveConnection } from "../../../src/temporal/connection-config.js";
import { AuthError } from "../../../src/temporal/service-errors.js";
import { stack, uniqueId } from "../../support/e2e/harness.js";
import { makeTestCertificates, SERVER_NAME, type TestCertificates } from "../../support/tls/certs.js";
import { nginxBinary, startTlsProxy, type TlsProxy } from "../../support/tls/nginx-proxy.js";

const API_KEY = "e2e-good-key";

function hasOpenssl(): boolean {
  try {
    execFileSync("sh", ["-c", "command -v openssl"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const tools = nginxBinary() !== undefined && hasOpenssl();

describe.skipIf(!tools)("TLS, mTLS and API keys through nginx (skipped when nginx or openssl is missing)", () => {
  let certs: TestCertificates;
  /** TLS with an API key checked by the proxy. */
  let keyed: TlsProxy;
  /** mTLS: a client certificate required, refused with nginx's own HTTP 400. */
  let mtls: TlsProxy;
  let tlsAddress: string;
  let mtlsAddress: string;

  beforeAll(async () => {
    certs = makeTestCertificates();
    const upstream = stack().address;
    [keyed, mtls] = await Promise.all([
      startTlsProxy({ upstream, certs, apiKey: API_KEY }),
      startTlsProxy({ upstream, certs, mtls: true, plainHttpRefusal: true }),
    ]);
    tlsAddress = keyed.address;
    mtlsAddress = mtls.address;
  });

  afterAll(async () => {
    await Promise.all([keyed?.stop(), mtls?.stop()]);
    if (certs) rmSync(certs.dir, { recursive: true, force: true });
  });

  const env = () => ({ HOME: join(certs.dir, "no-home") });
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
    expect(
      await echoThrough({ address: tlsAddress, apiKey: API_KEY, tlsCaPath: certs.caCert, tlsServerName: SERVER_NAME }),
    ).toEqual({
      status: "completed",
      result: "over tls",
    });
  });

  it("runs an activity through mTLS, verifying the server by a given name", async () => {
    const outcome = await echoThrough({
      address: mtlsAddress,
      tlsCaData: readFileSync(certs.caCert, "utf8"),
      tlsCertPath: certs.clientCert,
      tlsKeyPath: certs.clientKey,
      tlsServerName: SERVER_NAME,
    });
    expect(outcome).toEqual({ status: "completed", result: "over tls" });
  });

  it("a bad API key is an AuthError with a hint, and the key is never printed", async () => {
    const options = await resolveConnection(
      { address: tlsAddress, apiKey: "WRONG-KEY-123", tlsCaPath: certs.caCert, tlsServerName: SERVER_NAME },
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
      { address: tlsAddress, apiKey: API_KEY, tlsCaPath: certs.otherCaCert, tlsServerName: SERVER_NAME },
      undefined,
      env(),
    );
    const noCert = await resolveConnection(
      { address: mtlsAddress, tlsCaPath: certs.caCert, tlsServerName: SERVER_NAME },
      undefined,
      env(),
    );
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
