/**
 * nxrun through a real TLS-terminating gRPC proxy (nginx with grpc_pass) in front of the plaintext
 * dev server, with certificates made by the test: server TLS with a custom CA and server name, mTLS,
 * and a bearer API key checked by the proxy. Wrong settings must end in one line plus a hint and
 * exit 3; API keys and key material must never be printed.
 */
import { execFileSync } from "node:child_process";
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
import { ndjsonEvents, schemaErrors, validateEvent, validateReport } from "../../support/output-schemas.js";
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

    /** A user's mistake: exit 2, `error:` and `hint:` lines, no stack, no key material. */
    function expectUserError(result: NxrunResult, message: RegExp, hint: RegExp) {
      expect(result.code, output(result)).toBe(2);
      const lines = result.stderr.trim().split("\n");
      expect(lines, output(result)).toHaveLength(2);
      expect(lines[0]).toMatch(message);
      expect(lines[1]).toMatch(/^hint: /);
      expect(lines[1]).toMatch(hint);
      expectNoSecrets(result.stdout + result.stderr, certs);
    }

    it("TLS material that cannot be used is the user's mistake: where it came from and a hint, exit 2, no stack", async () => {
      const verify = ["--tls-ca-path", certs.caCert, "--tls-server-name", SERVER_NAME];
      const pair = ["--tls-cert-path", certs.clientCert, "--tls-key-path", certs.clientKey];
      const encrypted = join(certs.dir, "client-encrypted.key");
      execFileSync("openssl", [
        "pkey",
        "-in",
        certs.clientKey,
        "-aes256",
        "-passout",
        "pass:nxrun-test",
        "-out",
        encrypted,
      ]);
      const profile = join(configDir, "garbage.toml");
      writeFileSync(
        profile,
        `[profile.default]\naddress = "${mtls.address}"\n[profile.default.tls]\nserver_ca_cert_path = "${certs.caCert}"\nserver_name = "${SERVER_NAME}"\nclient_cert_data = "x"\nclient_key_path = "${certs.clientKey}"\n`,
      );
      const cases: Array<[string[], NodeJS.ProcessEnv, RegExp, RegExp]> = [
        [
          ["count", ...verify, "--tls-cert-path", "/etc/passwd", "--tls-key-path", certs.clientKey],
          {},
          /^error: the TLS client certificate from the file \/etc\/passwd is not a PEM certificate$/,
          /--tls-cert-path/,
        ],
        [
          ["list", ...verify, "--tls-key-path", certs.clientKey],
          { TEMPORAL_TLS_CLIENT_CERT_DATA: "garbage" },
          /^error: the TLS client certificate from the inline data is not a PEM certificate$/,
          /TEMPORAL_TLS_CLIENT_CERT_PATH/,
        ],
        [
          ["status", "some-run"],
          { TEMPORAL_CONFIG_FILE: profile, TEMPORAL_ADDRESS: undefined },
          /client certificate from the inline data is not a PEM certificate/,
          /client_cert_path/,
        ],
        [
          ["count", ...verify, "--tls-cert-path", certs.clientCert, "--tls-key-data", "garbage"],
          {},
          /^error: the TLS client key from the inline data is not a PEM private key$/,
          /--tls-key-path/,
        ],
        [
          ["count", ...verify, "--tls-cert-path", certs.clientCert, "--tls-key-path", certs.serverKey],
          {},
          /^error: the TLS client key from the file .*server\.key does not belong to the TLS client certificate from the file .*client\.crt$/,
          /are a pair/,
        ],
        [
          ["count", ...verify, "--tls-cert-path", certs.clientCert, "--tls-key-path", encrypted],
          {},
          /^error: the TLS client key from the file .*client-encrypted\.key is encrypted$/,
          /decrypt the key, e\.g\. `openssl pkey/,
        ],
        [
          [
            "check",
            "--preflight",
            pipeline(),
            "--tls-ca-path",
            certs.clientKey,
            "--tls-server-name",
            SERVER_NAME,
            ...pair,
          ],
          {},
          /^error: the TLS CA certificate from the file .*client\.key is not a PEM certificate$/,
          /--tls-ca-path/,
        ],
        [
          ["count", ...verify],
          { TEMPORAL_API_KEY: `${API_KEY}\u001b[2J` },
          /^error: the API key holds a character a gRPC header cannot carry/,
          /TEMPORAL_API_KEY/,
        ],
      ];
      const results = await Promise.all(cases.map(([args, env]) => nx(args, mtls.address, env)));
      results.forEach((result, i) => {
        const [, , message, hint] = cases[i]!;
        expectUserError(result, message, hint);
      });
    });

    it("TLS to a plain-text port says so in one line, without OpenSSL's codes or an empty resolution note", async () => {
      const result = await nx(["count", "--tls"], stack().address);
      expectOneLineError(
        result,
        /^error: cannot reach Temporal at .* over TLS: the port did not answer the TLS handshake with TLS \(a plain-text port\?\)$/,
        /drop --tls/,
      );
      expect(result.stderr).not.toMatch(/Resolution note|ssl3_get_record|deps\/openssl/);
    });

    it("a run that cannot connect (a CA that did not sign the server's certificate) still ends -o json with runEnd and writes --report", async () => {
      const reportDir = mkdtempSync(join(tmpdir(), "nxrun-tls-report-"));
      const report = join(reportDir, "run.json");
      const result = await nx(
        [
          "run",
          pipeline(),
          "-o",
          "json",
          "--report",
          report,
          "--tls-ca-path",
          certs.otherCaCert,
          "--tls-server-name",
          SERVER_NAME,
        ],
        tls.address,
      );
      expect(result.code, output(result)).toBe(3);
      expect(result.stderr).toMatch(/^error: cannot reach Temporal at .*certificate/);
      expect(result.stderr).not.toContain("Resolution note");
      const events = ndjsonEvents<{
        event: string;
        record?: { status: string; steps: unknown[]; error?: { message: string } };
      }>(result.stdout);
      expect(events.map((e) => e.event)).toEqual(["runEnd"]);
      for (const event of events) expect(validateEvent(event), schemaErrors(validateEvent)).toBe(true);
      expect(events[0]?.record).toMatchObject({
        status: "failed",
        steps: [],
        error: { message: expect.stringMatching(/certificate/) },
      });
      const record = JSON.parse(readFileSync(report, "utf8"));
      expect(validateReport(record), schemaErrors(validateReport)).toBe(true);
      expect(record.error.message).toBe(events[0]?.record?.error?.message);
      rmSync(reportDir, { recursive: true, force: true });
    });
  },
);
