import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { UserError } from "../../../src/base/user-error.js";
import { resolveConnection } from "../../../src/temporal/connection-config.js";
import { makeTestCertificates } from "../../support/tls/certs.js";

// Real PEM material (openssl), since it is checked before use (src/temporal/tls-material.ts).
const certs = makeTestCertificates();
const pemOf = (file: string) => readFileSync(file, "utf8");
const CA = pemOf(certs.caCert);
const CERT = pemOf(certs.clientCert);
const KEY = pemOf(certs.clientKey);
/** A line from the middle of the private key: it must never be printed. */
const KEY_LINE = KEY.split("\n")[5] as string;

const dir = mkdtempSync(join(tmpdir(), "nxrun-conn-"));
const configFile = join(dir, "temporal.toml");
writeFileSync(
  configFile,
  `
[profile.default]
address = "file-default:7233"
namespace = "file-ns"

[profile.cloud]
address = "cloud.example:7233"
namespace = "cloud-ns"
api_key = "FILE-API-KEY"
[profile.cloud.grpc_meta]
x-team = "payments"

[profile.mtls]
address = "mtls.example:7233"
[profile.mtls.tls]
server_name = "mtls.internal"
client_cert_data = '''${CERT}'''
client_key_data = '''${KEY}'''
`,
);
const caFile = join(dir, "ca.pem");
writeFileSync(caFile, CA);

/** An environment with no config file of the user's (HOME points nowhere). */
const bareEnv = { HOME: join(dir, "no-home"), XDG_CONFIG_HOME: join(dir, "no-xdg") };

/** The client key, encrypted with a passphrase. */
function encryptedKey(): string {
  return execFileSync("openssl", ["pkey", "-in", certs.clientKey, "-aes256", "-passout", "pass:nxrun-test"], {
    encoding: "utf8",
  });
}

describe("resolveConnection", () => {
  it("defaults to 127.0.0.1:7233, namespace default, plaintext", async () => {
    const options = await resolveConnection({}, undefined, bareEnv);
    expect(options).toMatchObject({ address: "127.0.0.1:7233", namespace: "default", tls: false });
    expect(options.apiKey).toBeUndefined();
  });

  it("ranks flags over env over the pipeline over the profile", async () => {
    const env = { ...bareEnv, TEMPORAL_CONFIG_FILE: configFile };
    const pipeline = { address: "pipeline:7233", namespace: "pipeline-ns" };
    expect(await resolveConnection({}, undefined, env)).toMatchObject({
      address: "file-default:7233",
      namespace: "file-ns",
    });
    expect(await resolveConnection({}, pipeline, env)).toMatchObject({
      address: "pipeline:7233",
      namespace: "pipeline-ns",
    });
    const withEnv = { ...env, TEMPORAL_ADDRESS: "env:7233" };
    expect(await resolveConnection({}, pipeline, withEnv)).toMatchObject({
      address: "env:7233",
      namespace: "pipeline-ns",
    });
    expect(await resolveConnection({ address: "flag:7233" }, pipeline, withEnv)).toMatchObject({
      address: "flag:7233",
    });
    expect(
      await resolveConnection({ namespace: "flag-ns" }, pipeline, { ...withEnv, TEMPORAL_NAMESPACE: "env-ns" }),
    ).toMatchObject({
      namespace: "flag-ns",
    });
  });

  it("picks the profile by flag, then TEMPORAL_PROFILE, then the pipeline", async () => {
    const env = { ...bareEnv, TEMPORAL_CONFIG_FILE: configFile };
    expect((await resolveConnection({}, { profile: "cloud" }, env)).address).toBe("cloud.example:7233");
    expect((await resolveConnection({}, { profile: "cloud" }, { ...env, TEMPORAL_PROFILE: "mtls" })).address).toBe(
      "mtls.example:7233",
    );
    expect(
      (await resolveConnection({ profile: "default" }, { profile: "cloud" }, { ...env, TEMPORAL_PROFILE: "mtls" }))
        .address,
    ).toBe("file-default:7233");
    expect((await resolveConnection({ configFile, profile: "cloud" }, undefined, bareEnv)).namespace).toBe("cloud-ns");
  });

  it("an API key implies TLS and metadata merges across layers", async () => {
    const options = await resolveConnection(
      { configFile, profile: "cloud", grpcMeta: ["x-request-source=cli"] },
      undefined,
      { ...bareEnv, TEMPORAL_GRPC_META_X_ENV: "yes" },
    );
    expect(options.apiKey).toBe("FILE-API-KEY");
    expect(options.tls).toEqual({});
    expect(options.metadata).toEqual({ "x-team": "payments", "x-env": "yes", "x-request-source": "cli" });
    const plaintext = await resolveConnection({ apiKey: "K" }, undefined, { ...bareEnv, TEMPORAL_TLS: "false" });
    expect(plaintext).toMatchObject({ apiKey: "K", tls: false });
  });

  it("reads TLS material from profile data, files and flags", async () => {
    const options = await resolveConnection({ configFile, profile: "mtls", tlsCaPath: caFile }, undefined, bareEnv);
    expect(options.tls).toEqual({
      serverName: "mtls.internal",
      serverRootCaCertificate: CA,
      clientCertPair: { crt: CERT, key: KEY },
    });
    const fromEnv = await resolveConnection({}, undefined, {
      ...bareEnv,
      TEMPORAL_TLS: "true",
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: caFile,
      TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: "true",
    });
    expect(fromEnv.tls).toEqual({ serverRootCaCertificate: CA, disableHostVerification: true });
    expect((await resolveConnection({ tls: true, tlsServerName: "srv" }, undefined, bareEnv)).tls).toEqual({
      serverName: "srv",
    });
  });

  it("never prints the API key or the private key", async () => {
    const options = await resolveConnection(
      { configFile, profile: "mtls", apiKey: "FLAG-API-KEY" },
      undefined,
      bareEnv,
    );
    for (const text of [JSON.stringify(options), inspect(options, { depth: 10 }), String(options), `${options}`]) {
      expect(text).not.toContain("FLAG-API-KEY");
      expect(text).not.toContain(KEY_LINE);
    }
    expect(JSON.stringify(options)).toContain("mtls.example:7233");
  });

  it("treats an empty TEMPORAL_* variable as unset, so the next layer (or the default) applies", async () => {
    const empty = {
      ...bareEnv,
      TEMPORAL_CONFIG_FILE: configFile,
      TEMPORAL_ADDRESS: "",
      TEMPORAL_NAMESPACE: "",
      TEMPORAL_API_KEY: "",
      TEMPORAL_TLS: "",
      TEMPORAL_TLS_SERVER_NAME: "",
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: "",
      TEMPORAL_TLS_CLIENT_CERT_PATH: "",
      TEMPORAL_TLS_CLIENT_KEY_PATH: "",
      TEMPORAL_GRPC_META_X_TEAM: "",
    };
    const fromFile = await resolveConnection({}, undefined, empty);
    expect(fromFile).toMatchObject({ address: "file-default:7233", namespace: "file-ns", tls: false });
    expect(fromFile.apiKey).toBeUndefined();
    expect(fromFile.metadata).toBeUndefined();
    const pipeline = { address: "pipeline:7233", namespace: "pipeline-ns" };
    expect(await resolveConnection({}, pipeline, empty)).toMatchObject({
      address: "pipeline:7233",
      namespace: "pipeline-ns",
    });
    // An empty TEMPORAL_CONFIG_FILE too: the (absent) default file, not a file named "".
    expect(await resolveConnection({}, undefined, { ...empty, TEMPORAL_CONFIG_FILE: "" })).toMatchObject({
      address: "127.0.0.1:7233",
      namespace: "default",
      tls: false,
    });
  });

  it("explains each configuration mistake without echoing secrets", async () => {
    const mistakes: Array<[Parameters<typeof resolveConnection>[0], RegExp]> = [
      [{ configFile, profile: "nope" }, /profile "nope" was not found.*/],
      [{ configFile: join(dir, "missing.toml"), profile: "x" }, /does not exist|not found/],
      [{ tls: true, tlsCaPath: join(dir, "missing-ca.pem") }, /cannot read the TLS CA certificate file/],
      [{ tlsCertData: "CERT-ONLY" }, /needs both a client certificate and its key/],
      [{ grpcMeta: ["Bearer-SECRET-TOKEN"] }, /--grpc-meta value is not key=value/],
      [
        { tlsCertData: "SECRET-garbage", tlsKeyData: KEY },
        /client certificate from the inline data is not a PEM certificate/,
      ],
      [{ tlsCertPath: "/etc/passwd", tlsKeyData: KEY }, /client certificate from the file \/etc\/passwd is not a PEM/],
      [{ tlsCertData: CERT, tlsKeyData: "SECRET-garbage" }, /client key from the inline data is not a PEM private key/],
      [
        { tlsCertData: CERT, tlsKeyPath: certs.serverKey },
        /client key from the file .* does not belong to the TLS client certificate/,
      ],
      [{ tlsCertData: CERT, tlsKeyData: encryptedKey() }, /client key from the inline data is encrypted/],
      [{ tlsCaPath: certs.clientKey }, /CA certificate from the file .*client\.key is not a PEM certificate/],
      [
        { tlsCaData: "-----BEGIN CERTIFICATE-----\nSECRET\n-----END CERTIFICATE-----" },
        /holds a certificate that cannot be read/,
      ],
      [{ apiKey: "SECRET\u001bkey" }, /the API key holds a character a gRPC header cannot carry/],
    ];
    for (const [flags, message] of mistakes) {
      const error = await resolveConnection(flags, undefined, bareEnv).catch((e: unknown) => e);
      expect(error, JSON.stringify(flags)).toBeInstanceOf(UserError);
      expect((error as UserError).message).toMatch(message);
      expect((error as UserError).hint).toBeTruthy();
      expect(`${(error as UserError).message} ${(error as UserError).hint}`).not.toContain("SECRET");
      expect(`${(error as UserError).message} ${(error as UserError).hint}`).not.toContain(KEY_LINE);
    }
    const known = (await resolveConnection({ configFile, profile: "nope" }, undefined, bareEnv).catch(
      (e: unknown) => e,
    )) as UserError;
    expect(known.hint).toBe("profiles there: default, cloud, mtls");
  });

  it("refuses a named config file that is missing or not a file, a non-string profile field, a non-boolean variable", async () => {
    const badTypes = join(dir, "bad-types.toml");
    writeFileSync(badTypes, '[profile.default]\naddress = 7233\n[profile.k]\naddress = "a:1"\napi_key = 12345\n');
    const cases: Array<[Parameters<typeof resolveConnection>[0], NodeJS.ProcessEnv, RegExp]> = [
      [
        {},
        { TEMPORAL_CONFIG_FILE: join(dir, "nonexistent.toml") },
        /nonexistent\.toml \(TEMPORAL_CONFIG_FILE\) does not exist/,
      ],
      [{ configFile: join(dir, "nonexistent.toml") }, {}, /\(--config-file\) does not exist/],
      [{ configFile: dir }, {}, /is not a regular file/],
      [{ configFile: badTypes }, {}, /address in profile "default" of .* is 7233 \(a number\), not a string/],
      [{ configFile: badTypes, profile: "k" }, {}, /^api_key in profile "k" of .* is a number, not a string$/],
      [{}, { TEMPORAL_TLS: "maybe" }, /TEMPORAL_TLS is "maybe", which is not a boolean/],
      [{}, { TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: "yes" }, /TEMPORAL_TLS_DISABLE_HOST_VERIFICATION is "yes"/],
    ];
    for (const [flags, env, message] of cases) {
      const error = await resolveConnection(flags, undefined, { ...bareEnv, ...env }).catch((e: unknown) => e);
      expect(error, JSON.stringify({ flags, env })).toBeInstanceOf(UserError);
      expect((error as UserError).message).toMatch(message);
      expect((error as UserError).hint).toBeTruthy();
      expect((error as UserError).message).not.toContain("12345");
    }
  });

  it("reads boolean variables as the temporal CLI does, in any case", async () => {
    for (const [value, tls] of [
      ["TRUE", true],
      ["t", true],
      ["1", true],
      ["False", false],
      ["0", false],
    ] as const) {
      const options = await resolveConnection({}, undefined, { ...bareEnv, TEMPORAL_TLS: value });
      expect(options.tls !== false, value).toBe(tls);
    }
  });
});
