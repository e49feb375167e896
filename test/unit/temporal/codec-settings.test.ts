import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { UserError } from "../../../src/base/user-error.js";
import { resolveConnection } from "../../../src/temporal/connection-config.js";

const dir = mkdtempSync(join(tmpdir(), "nxrun-codec-conn-"));
const configFile = join(dir, "temporal.toml");
writeFileSync(
  configFile,
  `
[profile.default]
address = "file-default:7233"

[profile.enc]
namespace = "payments"
[profile.enc.codec]
endpoint = "https://codec.example/{namespace}"
auth = "Bearer FILE-CODEC-TOKEN"

[profile.bad]
[profile.bad.codec]
endpoint = "https://codec.example"
auth = 42
`,
);
/** An environment with no config file of the user's (HOME points nowhere). */
const bareEnv = { HOME: join(dir, "no-home"), XDG_CONFIG_HOME: join(dir, "no-xdg") };
const withFile = { ...bareEnv, TEMPORAL_CONFIG_FILE: configFile };

async function userError(promise: Promise<unknown>): Promise<UserError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UserError);
  return error as UserError;
}

describe("codec settings", () => {
  it("are absent unless an endpoint is given; auth or headers alone configure nothing", async () => {
    expect((await resolveConnection({}, undefined, bareEnv)).codec).toBeUndefined();
    const options = await resolveConnection({ codecAuth: "x" }, undefined, { ...bareEnv, TEMPORAL_CODEC_AUTH: "y" });
    expect(options.codec).toBeUndefined();
  });

  it("read the profile's codec table, then TEMPORAL_CODEC_*, then the flags, each above the last", async () => {
    const profile = await resolveConnection({ profile: "enc" }, undefined, withFile);
    expect(profile.codec).toEqual({ endpoint: "https://codec.example/{namespace}", auth: "Bearer FILE-CODEC-TOKEN" });
    const env = await resolveConnection({ profile: "enc" }, undefined, {
      ...withFile,
      TEMPORAL_CODEC_ENDPOINT: "http://127.0.0.1:8081",
    });
    // Each setting by itself: the endpoint from the environment, the auth still the profile's.
    expect(env.codec).toEqual({ endpoint: "http://127.0.0.1:8081", auth: "Bearer FILE-CODEC-TOKEN" });
    const flags = await resolveConnection(
      { profile: "enc", codecEndpoint: "http://127.0.0.1:9000/", codecAuth: "FLAG-AUTH", codecHeader: ["X-Team=a=b"] },
      undefined,
      { ...withFile, TEMPORAL_CODEC_ENDPOINT: "http://127.0.0.1:8081", TEMPORAL_CODEC_AUTH: "ENV-AUTH" },
    );
    expect(flags.codec).toEqual({
      endpoint: "http://127.0.0.1:9000/",
      auth: "FLAG-AUTH",
      headers: { "X-Team": "a=b" },
    });
    // An empty variable is unset (as for every TEMPORAL_* variable): the profile applies.
    const empty = await resolveConnection({ profile: "enc" }, undefined, { ...withFile, TEMPORAL_CODEC_ENDPOINT: "" });
    expect(empty.codec?.endpoint).toBe("https://codec.example/{namespace}");
  });

  it("never print the auth value nor a header value", async () => {
    const options = await resolveConnection(
      { codecEndpoint: "http://127.0.0.1:1", codecAuth: "SECRET-AUTH", codecHeader: ["X-Key=SECRET-HEADER"] },
      undefined,
      bareEnv,
    );
    const shown = `${JSON.stringify(options)} ${inspect(options)}`;
    expect(shown).toContain("http://127.0.0.1:1");
    expect(shown).toContain("X-Key");
    expect(shown).not.toContain("SECRET-AUTH");
    expect(shown).not.toContain("SECRET-HEADER");
  });

  it("explain each mistake without echoing a secret", async () => {
    const notUrl = await userError(resolveConnection({ codecEndpoint: "codec.example:8081" }, undefined, bareEnv));
    expect(notUrl.message).toContain('"codec.example:8081" is not an http or https URL');
    expect(notUrl.hint).toContain("--codec-endpoint");
    const badHeader = await userError(
      resolveConnection({ codecEndpoint: "http://h", codecHeader: ["TOKEN-WITHOUT-KEY"] }, undefined, bareEnv),
    );
    expect(badHeader.message).not.toContain("TOKEN-WITHOUT-KEY");
    expect(badHeader.hint).toContain("--codec-header KEY=VALUE");
    const badAuth = await userError(
      resolveConnection({ codecEndpoint: "http://h", codecAuth: "SECRET\nLINE" }, undefined, bareEnv),
    );
    expect(badAuth.message).not.toContain("SECRET");
    expect(badAuth.hint).toContain("--codec-auth");
    const badProfile = await userError(resolveConnection({ profile: "bad" }, undefined, withFile));
    expect(badProfile.message).toContain('codec.auth in profile "bad"');
    expect(badProfile.message).not.toContain("42");
  });

  it("refuse a user name or password in the endpoint, and never echo the password", async () => {
    for (const endpoint of ["http://user:PW-IN-URL@127.0.0.1:8081", "https://PW-IN-URL@codec.example/{namespace}"]) {
      const withCredentials = await userError(resolveConnection({ codecEndpoint: endpoint }, undefined, bareEnv));
      expect(withCredentials.message).toContain("holds a user name or password");
      expect(withCredentials.message).not.toContain("PW-IN-URL");
      expect(withCredentials.hint).toContain("--codec-auth");
    }
    const notHttp = await userError(
      resolveConnection({ codecEndpoint: "ftp://user:PW-IN-URL@codec.example" }, undefined, bareEnv),
    );
    expect(notHttp.message).toContain('"ftp://codec.example" is not an http or https URL');
    const fromEnv = await userError(
      resolveConnection({}, undefined, { ...bareEnv, TEMPORAL_CODEC_ENDPOINT: "http://u:PW-IN-URL@h" }),
    );
    expect(fromEnv.message).not.toContain("PW-IN-URL");
  });
});
