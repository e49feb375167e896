/**
 * Where to connect, resolved from four layers, highest first: CLI flags, TEMPORAL_* environment
 * variables, the pipeline's `temporal:` block, and a TOML profile (@temporalio/envconfig; the
 * profile named by --profile, TEMPORAL_PROFILE or the pipeline, else "default"). The same names and
 * meanings as the `temporal` CLI. Secrets (API key, private key) are read here and never printed.
 */
import { readFileSync, statSync } from "node:fs";
import { inspect } from "node:util";
import {
  type ClientConfigProfile,
  type ClientConfigTLS,
  type ConfigDataSource,
  fromTomlProfile,
  loadClientConfig,
  loadClientConfigProfile,
} from "@temporalio/envconfig";
// The TOML form keeps a profile's [codec] table, which ClientConfigProfile leaves out.
import { type TomlClientConfigCodec, tomlLoadClientConfigProfile } from "@temporalio/envconfig/lib/envconfig-toml.js";
import { UserError } from "../base/user-error.js";
import { tlsIsOn } from "./api-key-tls.js";
import { withoutUserinfo } from "./remote-codec.js";
import { checkKeyPair, type MaterialOrigin, readCertificates, readPrivateKey } from "./tls-material.js";
import type { CodecSettings, ConnectionOptions, TlsSettings } from "./types.js";

/**
 * The settings a caller gives explicitly, highest of the four layers; the CLI's connection flags
 * (`--address`, `--tls-*`, ...) are exactly these, spelled as the `temporal` CLI spells them.
 */
export interface ConnectionOverrides {
  address?: string;
  namespace?: string;
  profile?: string;
  configFile?: string;
  apiKey?: string;
  tls?: boolean;
  tlsCaPath?: string;
  tlsCaData?: string;
  tlsCertPath?: string;
  tlsCertData?: string;
  tlsKeyPath?: string;
  tlsKeyData?: string;
  tlsServerName?: string;
  tlsDisableHostVerification?: boolean;
  grpcMeta?: string[];
  codecEndpoint?: string;
  codecAuth?: string;
  codecHeader?: string[];
}

/** Defaults below the environment and above the profile (a pipeline's `temporal:` block). */
export interface ConnectionDefaults {
  readonly address?: string;
  readonly namespace?: string;
  readonly profile?: string;
}

export const DEFAULT_ADDRESS = "127.0.0.1:7233";
export const DEFAULT_NAMESPACE = "default";

/** The TEMPORAL_* variables that hold a boolean. */
const BOOLEAN_VARIABLES = ["TEMPORAL_TLS", "TEMPORAL_TLS_DISABLE_HOST_VERIFICATION"] as const;

/**
 * A boolean variable's value, read as Go's strconv.ParseBool reads it (the `temporal` CLI): 1, t,
 * true / 0, f, false in any case. Anything else is a mistake, not a silent false.
 */
function envBool(name: string, value: string | undefined): boolean | undefined {
  if (value === undefined || value === "") return undefined;
  const word = value.trim().toLowerCase();
  if (word === "1" || word === "t" || word === "true") return true;
  if (word === "0" || word === "f" || word === "false") return false;
  throw new UserError(`${name} is "${value}", which is not a boolean`, {
    hint: `set ${name} to true or false (or 1 or 0), or unset it`,
  });
}

/**
 * The environment without empty TEMPORAL_* variables: `TEMPORAL_ADDRESS=` (e.g. cleared in a CI
 * step) counts as unset, as in envBool, so the next layer applies. @temporalio/envconfig reads the
 * variables with `??`, which would take "" as a value.
 */
function withoutEmptyTemporalVars(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const result: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(env)) {
    if (key.startsWith("TEMPORAL_") && value === "") continue;
    result[key] = value;
  }
  // The boolean variables checked, and spelled as @temporalio/envconfig reads them ("true"/"false").
  for (const name of BOOLEAN_VARIABLES) {
    const value = envBool(name, result[name]);
    if (value !== undefined) result[name] = String(value);
  }
  return result;
}

/**
 * The config file named by --config-file or TEMPORAL_CONFIG_FILE must be there, as in the `temporal`
 * CLI (@temporalio/envconfig takes a missing file for an empty one), and be a regular file (reading
 * a FIFO would wait forever).
 */
function checkNamedConfigFile(path: string, fromFlag: boolean): void {
  const named = fromFlag ? "--config-file" : "TEMPORAL_CONFIG_FILE";
  let isFile: boolean;
  try {
    isFile = statSync(path).isFile();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(
      code === "ENOENT"
        ? `the Temporal config file ${path} (${named}) does not exist`
        : `cannot read the Temporal config file ${path} (${named}): ${code ?? "error"}`,
      { hint: `check ${named}, or leave it out to use the default config file` },
    );
  }
  if (!isFile) {
    throw new UserError(`the Temporal config file ${path} (${named}) is not a regular file`, {
      hint: `check ${named}`,
    });
  }
}

/** A profile's address, namespace and API key are strings (`address = 7233` is a TOML number). */
function checkProfileStrings(profile: ClientConfigProfile, name: string | undefined, where: string): void {
  const fields: Array<[string, unknown]> = [
    ["address", profile.address],
    ["namespace", profile.namespace],
    ["api_key", profile.apiKey],
  ];
  for (const [field, value] of fields) {
    if (value === undefined || typeof value === "string") continue;
    // The API key's value is never echoed, even when it is not a string.
    const shown = field === "api_key" ? `a ${typeof value}` : `${JSON.stringify(value)} (a ${typeof value})`;
    throw new UserError(`${field} in profile "${name ?? "default"}" of ${where} is ${shown}, not a string`, {
      hint:
        field === "address"
          ? 'write it quoted, as host and port: address = "127.0.0.1:7233"'
          : `write it quoted: ${field} = "..."`,
    });
  }
}

/** The profile from the config file (no environment: env is its own, higher layer), and its codec table. */
function fileProfile(
  profile: string | undefined,
  configFile: string | undefined,
  env: NodeJS.ProcessEnv,
): { loaded: ClientConfigProfile; codec: TomlClientConfigCodec | undefined } {
  const named = configFile ?? env.TEMPORAL_CONFIG_FILE;
  if (named !== undefined) checkNamedConfigFile(named, configFile !== undefined);
  const configSource: ConfigDataSource | undefined = named ? { path: named } : undefined;
  const overrideEnvVars = env as Record<string, string>;
  const where = named ?? "the Temporal config file";
  let loaded: ClientConfigProfile;
  let codec: TomlClientConfigCodec | undefined;
  try {
    const toml = tomlLoadClientConfigProfile({
      ...(profile ? { profile } : {}),
      ...(configSource ? { configSource } : {}),
      disableEnv: true,
      overrideEnvVars,
    });
    loaded = fromTomlProfile(toml);
    codec = toml.codec;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/Profile '.*' not found/.test(message)) {
      let known: string[] = [];
      try {
        known = Object.keys(loadClientConfig({ ...(configSource ? { configSource } : {}), overrideEnvVars }).profiles);
      } catch {
        // The file was read once already; a second failure only costs us the list of names.
      }
      throw new UserError(`profile "${profile}" was not found in ${where}`, {
        hint:
          known.length > 0
            ? `profiles there: ${known.join(", ")}`
            : "check --profile / TEMPORAL_PROFILE and --config-file / TEMPORAL_CONFIG_FILE",
      });
    }
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new UserError(`the Temporal config file ${where} does not exist`, {
        hint: "check --config-file / TEMPORAL_CONFIG_FILE",
      });
    }
    throw new UserError(`cannot read ${where}: ${message}`, {
      hint: "the file is TOML with [profile.<name>] tables (address, namespace, api_key, [profile.<name>.tls])",
    });
  }
  checkProfileStrings(loaded, profile, where);
  checkCodecStrings(codec, profile, where);
  return { loaded, codec };
}

/** A profile's codec endpoint and auth are strings; the auth value is never echoed. */
function checkCodecStrings(codec: TomlClientConfigCodec | undefined, name: string | undefined, where: string): void {
  for (const [field, value] of [
    ["endpoint", codec?.endpoint],
    ["auth", codec?.auth],
  ] as const) {
    if (value === undefined || typeof value === "string") continue;
    throw new UserError(
      `codec.${field} in profile "${name ?? "default"}" of ${where} is a ${typeof value}, not a string`,
      {
        hint: `write it quoted: ${field} = "..." in [profile.${name ?? "default"}.codec]`,
      },
    );
  }
}

/** Only the TEMPORAL_* variables, as a profile. */
function envProfile(env: NodeJS.ProcessEnv): ClientConfigProfile {
  return loadClientConfigProfile({ disableFile: true, overrideEnvVars: env as Record<string, string> });
}

/** Parses `--grpc-meta key=value` flags. */
export function parseGrpcMeta(entries: readonly string[] | undefined): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const entry of entries ?? []) {
    const eq = entry.indexOf("=");
    if (eq <= 0) {
      // The entry is not echoed: it could be a token pasted without its key.
      throw new UserError("a --grpc-meta value is not key=value", {
        hint: "write --grpc-meta key=value (repeatable)",
      });
    }
    metadata[entry.slice(0, eq).trim().toLowerCase()] = entry.slice(eq + 1);
  }
  return metadata;
}

/** Parses `--codec-header KEY=VALUE` flags; a value is never echoed (it may be a token). */
export function parseCodecHeaders(entries: readonly string[] | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const entry of entries ?? []) {
    const eq = entry.indexOf("=");
    const key = eq > 0 ? entry.slice(0, eq).trim() : "";
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(key)) {
      throw new UserError("a --codec-header value is not KEY=VALUE with an HTTP header name as KEY", {
        hint: "write --codec-header KEY=VALUE (repeatable)",
      });
    }
    const value = entry.slice(eq + 1);
    if (!/^[\x20-\x7e\t]*$/.test(value)) {
      throw new UserError(`the --codec-header ${key} value holds a character an HTTP header cannot carry`, {
        hint: "check the value for a pasted line break or escape sequence",
      });
    }
    headers[key] = value;
  }
  return headers;
}

/**
 * The codec server settings: each of endpoint and auth from the flag, else TEMPORAL_CODEC_ENDPOINT /
 * TEMPORAL_CODEC_AUTH, else the profile's codec table; headers from the flags only, as in the
 * `temporal` CLI. Undefined without an endpoint (auth and headers alone configure nothing).
 */
function resolveCodec(
  flags: ConnectionOverrides,
  env: NodeJS.ProcessEnv,
  profile: TomlClientConfigCodec | undefined,
): CodecSettings | undefined {
  const endpoint = flags.codecEndpoint ?? env.TEMPORAL_CODEC_ENDPOINT ?? profile?.endpoint;
  const auth = flags.codecAuth ?? env.TEMPORAL_CODEC_AUTH ?? profile?.auth;
  const headers = parseCodecHeaders(flags.codecHeader);
  if (endpoint === undefined || endpoint === "") return undefined;
  let url: URL | undefined;
  try {
    url = new URL(endpoint.replaceAll("{namespace}", "namespace"));
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw new UserError(`the codec endpoint "${withoutUserinfo(endpoint)}" is not an http or https URL`, {
      hint: "give --codec-endpoint / TEMPORAL_CODEC_ENDPOINT / the profile's codec.endpoint as http(s)://host:port/path",
    });
  }
  // fetch refuses such a URL, and every message would show the password: said here, without them.
  if (url.username !== "" || url.password !== "") {
    throw new UserError(
      `the codec endpoint "${withoutUserinfo(endpoint)}" holds a user name or password, which nxrun does not send`,
      {
        hint: 'give the endpoint without them, and the credentials as --codec-auth / TEMPORAL_CODEC_AUTH / the profile\'s codec.auth (e.g. "Basic <base64 of user:password>")',
      },
    );
  }
  // Sent as an HTTP header: printable ASCII on one line. The value is not echoed.
  if (auth !== undefined && !/^[\x20-\x7e\t]*$/.test(auth)) {
    throw new UserError("the codec auth value holds a character an HTTP header cannot carry", {
      hint: "check --codec-auth / TEMPORAL_CODEC_AUTH / the profile's codec.auth for a pasted line break or escape sequence",
    });
  }
  return {
    endpoint,
    ...(auth ? { auth } : {}),
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
  };
}

/** The settings that give each piece of TLS material, for hints. */
const MATERIAL_SETTINGS = {
  ca: "--tls-ca-path / --tls-ca-data, TEMPORAL_TLS_SERVER_CA_CERT_PATH / _DATA, or a profile's server_ca_cert_path / _data",
  cert: "--tls-cert-path / --tls-cert-data, TEMPORAL_TLS_CLIENT_CERT_PATH / _DATA, or a profile's client_cert_path / _data",
  key: "--tls-key-path / --tls-key-data, TEMPORAL_TLS_CLIENT_KEY_PATH / _DATA, or a profile's client_key_path / _data",
};

/**
 * Reads PEM material from inline data or a file, with where it came from for messages; an error
 * names the file, never the contents.
 */
function pem(
  what: string,
  source: ConfigDataSource | undefined,
  settings: string,
): { text: string; origin: MaterialOrigin } | undefined {
  if (!source) return undefined;
  if ("data" in source) {
    const text = typeof source.data === "string" ? source.data : Buffer.from(source.data).toString();
    return { text, origin: { what, from: "the inline data", settings } };
  }
  try {
    return { text: readFileSync(source.path, "utf8"), origin: { what, from: `the file ${source.path}`, settings } };
  } catch (error) {
    throw new UserError(
      `cannot read the ${what} file ${source.path}: ${(error as NodeJS.ErrnoException).code ?? "error"}`,
      {
        hint: `check the path (${settings})`,
      },
    );
  }
}

/** A data source from a path flag and a data flag (data wins, as in the `temporal` CLI). */
function source(path: string | undefined, data: string | undefined): ConfigDataSource | undefined {
  if (data) return { data };
  if (path) return { path };
  return undefined;
}

interface TlsLayer extends ClientConfigTLS {
  disableHostVerification?: boolean;
}

function mergeTls(...layers: Array<TlsLayer | undefined>): TlsLayer | undefined {
  let merged: TlsLayer | undefined;
  for (const layer of layers) {
    if (!layer) continue;
    merged = { ...merged };
    for (const [key, value] of Object.entries(layer)) {
      if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
    }
  }
  return merged;
}

/** Redacted view for logs and errors: whether secrets are present, never their values. */
export function describeConnection(options: ConnectionOptions): Record<string, unknown> {
  const tls = options.tls;
  return {
    address: options.address,
    namespace: options.namespace,
    tls: tls
      ? {
          serverName: tls.serverName,
          customCa: tls.serverRootCaCertificate !== undefined,
          clientCertificate: tls.clientCertPair !== undefined,
          disableHostVerification: tls.disableHostVerification ?? false,
        }
      : false,
    apiKey: options.apiKey ? "[redacted]" : undefined,
    metadata: Object.keys(options.metadata ?? {}),
    codec: options.codec
      ? {
          endpoint: options.codec.endpoint,
          auth: options.codec.auth ? "[redacted]" : undefined,
          headers: Object.keys(options.codec.headers ?? {}),
        }
      : undefined,
  };
}

/** The codec settings' secret values (auth, header values), to mask wherever text leaves nxrun. */
export function codecSecrets(options: ConnectionOptions): string[] {
  const codec = options.codec;
  if (!codec) return [];
  return [...(codec.auth ? [codec.auth] : []), ...Object.values(codec.headers ?? {})];
}

/** Makes JSON.stringify and console.log of the options show the redacted view. */
function redactWhenPrinted(options: ConnectionOptions): ConnectionOptions {
  Object.defineProperty(options, "toJSON", { value: () => describeConnection(options), enumerable: false });
  Object.defineProperty(options, inspect.custom, {
    value: () => `ConnectionOptions ${inspect(describeConnection(options))}`,
    enumerable: false,
  });
  return options;
}

/** Resolves the connection: flags > TEMPORAL_* env > pipeline `temporal:` > config profile > defaults. */
export async function resolveConnection(
  flags: ConnectionOverrides,
  pipelineTemporal?: ConnectionDefaults,
  rawEnv: NodeJS.ProcessEnv = process.env,
): Promise<ConnectionOptions> {
  const env = withoutEmptyTemporalVars(rawEnv);
  const profileName = flags.profile ?? env.TEMPORAL_PROFILE ?? pipelineTemporal?.profile;
  const { loaded: file, codec: fileCodec } = fileProfile(profileName, flags.configFile, env);
  const fromEnv = envProfile(env);

  const address = flags.address ?? fromEnv.address ?? pipelineTemporal?.address ?? file.address ?? DEFAULT_ADDRESS;
  const namespace =
    flags.namespace ?? fromEnv.namespace ?? pipelineTemporal?.namespace ?? file.namespace ?? DEFAULT_NAMESPACE;
  const apiKey = flags.apiKey ?? fromEnv.apiKey ?? file.apiKey;
  // A header value is printable ASCII on one line; the key is not echoed (it is a secret).
  if (apiKey !== undefined && !/^[\x20-\x7e]*$/.test(apiKey)) {
    throw new UserError(
      "the API key holds a character a gRPC header cannot carry (a control character such as an escape or a line break, or a non-ASCII character)",
      {
        hint: "check --api-key / TEMPORAL_API_KEY / the profile's api_key: a pasted key may have picked up a line break or an escape sequence",
      },
    );
  }

  const flagTls: TlsLayer = {
    ...(flags.tls ? { disabled: false } : {}),
    ...(flags.tlsServerName ? { serverName: flags.tlsServerName } : {}),
    ...(flags.tlsDisableHostVerification ? { disableHostVerification: true } : {}),
  };
  const flagCa = source(flags.tlsCaPath, flags.tlsCaData);
  const flagCert = source(flags.tlsCertPath, flags.tlsCertData);
  const flagKey = source(flags.tlsKeyPath, flags.tlsKeyData);
  if (flagCa) flagTls.serverCACert = flagCa;
  if (flagCert) flagTls.clientCert = flagCert;
  if (flagKey) flagTls.clientKey = flagKey;
  const envHostVerification = envBool(
    "TEMPORAL_TLS_DISABLE_HOST_VERIFICATION",
    env.TEMPORAL_TLS_DISABLE_HOST_VERIFICATION,
  );
  const envTls: TlsLayer | undefined =
    fromEnv.tls || envHostVerification !== undefined
      ? {
          ...fromEnv.tls,
          ...(envHostVerification !== undefined ? { disableHostVerification: envHostVerification } : {}),
        }
      : undefined;
  const tlsLayer = mergeTls(file.tls, envTls, Object.keys(flagTls).length > 0 ? flagTls : undefined);

  // TLS is on when any layer configured it (and none disabled it last), or else when an API key is sent.
  const tlsOn = tlsIsOn(tlsLayer ? tlsLayer.disabled !== true : undefined, apiKey);
  let tls: TlsSettings | false = false;
  if (tlsOn) {
    tls = {};
    const ca = pem("TLS CA certificate", tlsLayer?.serverCACert, MATERIAL_SETTINGS.ca);
    if (ca) {
      readCertificates(ca.text, ca.origin);
      tls.serverRootCaCertificate = ca.text;
    }
    if (tlsLayer?.serverName) tls.serverName = tlsLayer.serverName;
    if (tlsLayer?.disableHostVerification) tls.disableHostVerification = true;
    const crt = pem("TLS client certificate", tlsLayer?.clientCert, MATERIAL_SETTINGS.cert);
    const key = pem("TLS client key", tlsLayer?.clientKey, MATERIAL_SETTINGS.key);
    if ((crt === undefined) !== (key === undefined)) {
      throw new UserError(
        `mTLS needs both a client certificate and its key; only the ${crt ? "certificate" : "key"} was given`,
        {
          hint: "give both --tls-cert-path and --tls-key-path (or the -data forms / TEMPORAL_TLS_CLIENT_CERT_* and _KEY_*)",
        },
      );
    }
    if (crt !== undefined && key !== undefined) {
      const [leaf] = readCertificates(crt.text, crt.origin);
      const privateKey = readPrivateKey(key.text, key.origin);
      if (leaf) checkKeyPair(leaf, privateKey, crt.origin, key.origin);
      tls.clientCertPair = { crt: crt.text, key: key.text };
    }
  }

  const metadata = { ...file.grpcMeta, ...fromEnv.grpcMeta, ...parseGrpcMeta(flags.grpcMeta) };
  const options: ConnectionOptions = { address, namespace, tls };
  if (apiKey) options.apiKey = apiKey;
  if (Object.keys(metadata).length > 0) options.metadata = metadata;
  const codec = resolveCodec(flags, env, fileCodec);
  if (codec) options.codec = codec;
  return redactWhenPrinted(options);
}
