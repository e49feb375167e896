/**
 * nxrun through a real TLS-terminating gRPC proxy (nginx with grpc_pass) in front of the plaintext
 * dev server, with certificates made by the test: server TLS with a custom CA and server name, mTLS,
 * and a bearer API key checked by the proxy. Wrong settings must end in one line plus a hint and
 * exit 3; API keys and key material must never be printed.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  activityStatus,
  type NxrunResult,
  runNxrun,
  stack,
  uniqueId,
  waitForCount,
} from "../../support/e2e/harness.js";
import { output, pipelineFile, runPipelineFile, stepOf } from "../../support/e2e/run-helpers.js";
import { makeTestCertificates, SERVER_NAME, type TestCertificates } from "../../support/tls/certs.js";
import { nginxBinary, startTlsProxy, type TlsProxy } from "../../support/tls/nginx-proxy.js";

const API_KEY = `nxk-${Math.random().toString(36).slice(2)}-secret`;
const WRONG_KEY = `nxk-${Math.random().toString(36).slice(2)}-wrong`;

/** Runs nxrun with no TEMPORAL_* connection settings from the harness but the address. */
function nx(args: string[], address: string, env: NodeJS.ProcessEnv = {}) {
  return runNxrun(args, { address, env: { TEMPORAL_API_KEY: undefined, ...env } });
}

/** A one-line error and a one-line hint on stderr, no stack trace. */
function expectOneLineError(result: NxrunResult, message: RegExp, hint: RegExp) {
  expect(result.code, output(result)).toBe(3);
  const lines = result.stderr.trim().split("\n");
  expect(lines, output(result)).toHaveLength(2);
  expect(lines[0]).toMatch(/^error: /);
  expect(lines[0]).toMatch(message);
  expect(lines[1]).toMatch(/^hint: /);
  expect(lines[1]).toMatch(hint);
}

function expectNoSecrets(text: string, certs: TestCertificates) {
  expect(text).not.toContain(API_KEY);
  expect(text).not.toContain(WRONG_KEY);
  // The body of the client's private key (a line from its middle), in any output.
  const keyLines = readFileSync(certs.clientKey, "utf8").split("\n");
  expect(text).not.toContain(keyLines[Math.floor(keyLines.length / 2)]);
}

const hasNginx = nginxBinary() !== undefined;

describe.skipIf(!hasNginx)(
  hasNginx
    ? "nxrun through TLS, mTLS and an API key"
    : "nxrun through TLS (SKIPPED: nginx is not installed; .ci/run installs it)",
  () => {
    let certs: TestCertificates;
    let tls: TlsProxy;
    let mtls: TlsProxy;
    let keyed: TlsProxy;
    let configDir: string;

    beforeAll(async () => {
      certs = makeTestCertificates();
      const upstream = stack().address;
      [tls, mtls, keyed] = await Promise.all([
        startTlsProxy({ upstream, certs }),
        startTlsProxy({ upstream, certs, mtls: true }),
        startTlsProxy({ upstream, certs, apiKey: API_KEY }),
      ]);
      configDir = mkdtempSync(join(tmpdir(), "nxrun-profiles-"));
    });

    afterAll(async () => {
      await Promise.all([tls?.stop(), mtls?.stop(), keyed?.stop()]);
      if (certs) rmSync(certs.dir, { recursive: true, force: true });
      if (configDir) rmSync(configDir, { recursive: true, force: true });
    });

    const pipeline = () =>
      pipelineFile(`
nxrun: 1
name: tls-run
defaults:
  taskQueue: {{queue}}
steps:
  - id: add
    activity: add
    input: { a: 20, b: 22 }
  - id: greet
    nexus: { endpoint: {{endpoint}}, service: TestService, operation: greet }
    input: { name: "{% $string($steps.add.output.sum) %}" }
outputs:
  greeting: "{% $steps.greet.output.greeting %}"
`);

    it("runs a pipeline over TLS with a custom CA and server name, and preflight passes", async () => {
      const flags = ["--tls-ca-path", certs.caCert, "--tls-server-name", SERVER_NAME];
      const file = pipeline();
      const result = await runPipelineFile(file, flags, { address: tls.address });
      expect(result.code, output(result)).toBe(0);
      expect(result.report?.outputs).toEqual({ greeting: "Hello, 42!" });
      expect(await activityStatus(`${result.runId}.add`)).toBe("COMPLETED");

      const preflight = await nx(["check", "--preflight", file, ...flags], tls.address);
      expect(preflight.code, output(preflight)).toBe(0);
    });

    it("runs a pipeline over mTLS from a TOML profile (TEMPORAL_CONFIG_FILE + --profile), and status works through it", async () => {
      const config = join(configDir, "temporal.toml");
      writeFileSync(
        config,
        `[profile.secure]
address = "${mtls.address}"
namespace = "default"

[profile.secure.tls]
server_ca_cert_path = "${certs.caCert}"
server_name = "${SERVER_NAME}"
client_cert_path = "${certs.clientCert}"
client_key_path = "${certs.clientKey}"
`,
      );
      // No address from the harness: everything comes from the profile.
      const env = { TEMPORAL_CONFIG_FILE: config, TEMPORAL_ADDRESS: undefined, TEMPORAL_NAMESPACE: undefined };
      const runId = uniqueId("mtls");
      const result = await runPipelineFile(pipeline(), ["--profile", "secure", "--output", "json"], { runId, env });
      expect(result.code, output(result)).toBe(0);
      expect(stepOf(result, "greet").output).toEqual({ greeting: "Hello, 42!" });
      expectNoSecrets(result.stdout + result.stderr + JSON.stringify(result.report), certs);

      // Visibility lags a moment behind the run (a close is indexed after the start, tens to hundreds
      // of ms later): wait until it shows both closed, then ask through the profile.
      await waitForCount("activity", `ActivityId STARTS_WITH "${runId}." AND ExecutionStatus = "Completed"`, 1);
      await waitForCount("nexus", `OperationId STARTS_WITH "${runId}." AND ExecutionStatus = "Completed"`, 1);
      const status = await runNxrun(["status", runId, "--profile", "secure"], { env });
      expect(status.code, output(status)).toBe(0);
      expect(status.stdout).toContain(`run ${runId} (namespace default on ${mtls.address}): 2 executions: 2 completed`);
    });

    it("sends the API key as a bearer token over TLS (TEMPORAL_API_KEY), and never prints it", async () => {
      const env = { TEMPORAL_API_KEY: API_KEY };
      const flags = ["--tls-ca-path", certs.caCert, "--tls-server-name", SERVER_NAME, "--output", "json"];
      const result = await runPipelineFile(pipeline(), flags, { address: keyed.address, env });
      expect(result.code, output(result)).toBe(0);
      expect(result.report?.outputs).toEqual({ greeting: "Hello, 42!" });
      expectNoSecrets(result.stdout + result.stderr + JSON.stringify(result.report), certs);

      const count = await runNxrun(
        ["count", "--api-key", API_KEY, "--tls-ca-path", certs.caCert, "--tls-server-name", SERVER_NAME],
        { address: keyed.address },
      );
      expect(count.code, output(count)).toBe(0);
      expect(Number(count.stdout.trim())).toBeGreaterThan(0);
    });

    it("a wrong CA ends in one line with a TLS hint and exit 3", async () => {
      const result = await nx(
        ["check", "--preflight", pipeline(), "--tls-ca-path", certs.otherCaCert, "--tls-server-name", SERVER_NAME],
        tls.address,
      );
      expectOneLineError(result, /cannot reach Temporal at .*(certificate|verify)/i, /TLS.*--tls-ca-path/);
    });

    it("a missing client certificate ends in one line with a hint and exit 3", async () => {
      const result = await nx(
        ["check", "--preflight", pipeline(), "--tls-ca-path", certs.caCert, "--tls-server-name", SERVER_NAME],
        mtls.address,
      );
      expectOneLineError(result, /did not accept the credentials: .*client certificate/, /--tls-cert-path/);
    });

    it("a bad API key ends in one line with a hint and exit 3, and neither key is printed", async () => {
      const result = await nx(
        ["check", "--preflight", pipeline(), "--tls-ca-path", certs.caCert, "--tls-server-name", SERVER_NAME],
        keyed.address,
        { TEMPORAL_API_KEY: WRONG_KEY },
      );
      expectOneLineError(result, /did not accept the credentials/, /API key/);
      expectNoSecrets(result.stdout + result.stderr, certs);

      const flagged = await nx(
        ["list", "--api-key", WRONG_KEY, "--tls-ca-path", certs.caCert, "--tls-server-name", SERVER_NAME],
        keyed.address,
      );
      expectOneLineError(flagged, /did not accept the credentials/, /API key/);
      expectNoSecrets(flagged.stdout + flagged.stderr, certs);
    });

    it("key material given inline (--tls-key-data) works and is never printed, also when the server refuses the connection", async () => {
      const keyPem = readFileSync(certs.clientKey, "utf8");
      const certPem = readFileSync(certs.clientCert, "utf8");
      const flags = [
        "--tls-ca-path",
        certs.caCert,
        "--tls-server-name",
        SERVER_NAME,
        "--tls-cert-data",
        certPem,
        "--tls-key-data",
        keyPem,
      ];
      const ok = await nx(["count", ...flags], mtls.address);
      expect(ok.code, output(ok)).toBe(0);
      expectNoSecrets(ok.stdout + ok.stderr, certs);
      // The same key against the API-key proxy: refused, and the key still not echoed.
      const refused = await nx(["count", ...flags], keyed.address);
      expect(refused.code, output(refused)).toBe(3);
      expectNoSecrets(refused.stdout + refused.stderr, certs);
    });
  },
);
