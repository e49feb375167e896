/**
 * The remote codec: Temporal's codec server protocol, as the `temporal` CLI and the Web UI speak it.
 * `POST <endpoint>/encode` and `/decode` with `{"payloads": [...]}` in proto3 JSON (metadata values
 * and data in base64), answered with as many payloads, in order. Each request carries `X-Namespace`,
 * the `--codec-header` headers and, when given, `Authorization` (sent as given, as the CLI does).
 * Any trouble is a CodecError (exit 3) naming the endpoint and what was being encoded or decoded,
 * never the auth value nor a header value.
 */
import { maskSecrets } from "../base/mask-secrets.js";
import { ServerError } from "../base/user-error.js";
import type { Payload, PayloadCodec } from "./payload-codec.js";
import { payloadEncoding } from "./payloads.js";
import type { CodecSettings } from "./types.js";

/** Bound on one codec request: a codec server may call a key service, so more than an RPC gets. */
const CODEC_TIMEOUT_MS = 30_000;

/** How much of a refusal's body a message quotes. */
const BODY_EXCERPT = 200;

/**
 * Bound on an answer's body, so a codec server gone wrong cannot fill nxrun's memory. The server
 * keeps each payload within its blob size limit (a few MiB); this leaves room for a codec that
 * decompresses them.
 */
export const MAX_ANSWER_BYTES = 32 * 1024 * 1024;

/** The encoding a decode must not answer: the payload is still encrypted (the server has not its key). */
const STILL_ENCRYPTED = "binary/encrypted";

const HINT =
  "check that the codec server runs and answers, and --codec-endpoint / TEMPORAL_CODEC_ENDPOINT / the profile's codec.endpoint (and --codec-auth, --codec-header)";

/** The codec server could not encode or decode (unreachable, refused, a wrong answer). */
export class CodecError extends ServerError {
  override readonly name: string = "CodecError";
}

type Fetch = (url: string, init: RequestInit) => Promise<Response>;

/**
 * The first `limit` bytes of a body as text, and whether it held more; reading stops there, so the
 * rest never reaches memory.
 */
async function readAtMost(response: Response, limit: number): Promise<{ text: string; more: boolean }> {
  const reader = response.body?.getReader();
  if (reader === undefined) return { text: "", more: false };
  const chunks: Buffer[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { text: Buffer.concat(chunks).toString("utf8"), more: false };
    chunks.push(Buffer.from(value));
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      return { text: Buffer.concat(chunks).subarray(0, limit).toString("utf8"), more: true };
    }
  }
}

/** A URL as it may be shown: without a user name and password before its host. */
export function withoutUserinfo(url: string): string {
  return url.replace(/^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)?[^/?#@]*@/, "$1");
}

/** The endpoint with `{namespace}` replaced and no trailing slash. */
export function codecEndpoint(endpoint: string, namespace: string): string {
  return endpoint.replaceAll("{namespace}", namespace).replace(/\/+$/, "");
}

/** A payload in proto3 JSON: bytes as base64. */
export function payloadToJson(payload: Payload): { metadata: Record<string, string>; data?: string } {
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(payload.metadata ?? {})) {
    metadata[key] = Buffer.from(value).toString("base64");
  }
  const data = payload.data;
  return data && data.length > 0 ? { metadata, data: Buffer.from(data).toString("base64") } : { metadata };
}

/** A payload from proto3 JSON; undefined when it is not one. */
export function payloadFromJson(value: unknown): Payload | undefined {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  const { metadata, data } = value as { metadata?: unknown; data?: unknown };
  if (data !== undefined && data !== null && typeof data !== "string") return undefined;
  const result: Payload = { metadata: {} };
  if (metadata !== undefined && metadata !== null) {
    if (typeof metadata !== "object" || Array.isArray(metadata)) return undefined;
    for (const [key, text] of Object.entries(metadata)) {
      if (typeof text !== "string") return undefined;
      (result.metadata as Record<string, Uint8Array>)[key] = new Uint8Array(Buffer.from(text, "base64"));
    }
  }
  if (typeof data === "string" && data.length > 0) result.data = new Uint8Array(Buffer.from(data, "base64"));
  return result;
}

/** Why a request did not get through, from fetch's error and its cause (a system or TLS error code). */
function unreachableReason(error: unknown): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return `no answer within ${CODEC_TIMEOUT_MS / 1000} s`;
  }
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  // OpenSSL's own text is a line of internals ending in a newline; its code says it.
  if (typeof cause?.code === "string" && cause.code.startsWith("ERR_SSL_")) {
    return cause.code === "ERR_SSL_WRONG_VERSION_NUMBER"
      ? `the TLS handshake failed (${cause.code}): the server does not speak TLS, is it http://?`
      : `the TLS handshake failed (${cause.code})`;
  }
  if (cause && typeof cause.message === "string" && cause.message !== "") return cause.message.trim();
  return error instanceof Error ? error.message : String(error);
}

/**
 * A PayloadCodec over a remote codec server. `fetchImpl` is for tests; the request is bounded by
 * CODEC_TIMEOUT_MS.
 */
export function remoteCodec(settings: CodecSettings, namespace: string, fetchImpl: Fetch = fetch): PayloadCodec {
  const endpoint = codecEndpoint(settings.endpoint, namespace);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "x-namespace": namespace,
    ...Object.fromEntries(Object.entries(settings.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
  };
  if (settings.auth) headers.authorization = settings.auth;
  // What no message may show: the auth value and the header values.
  const secrets = [...(settings.auth ? [settings.auth] : []), ...Object.values(settings.headers ?? {})];
  const fail = (message: string) => new CodecError(maskSecrets(message, secrets), { hint: HINT });
  // Aborted by close(): a request the client no longer waits for ends with it.
  const closing = new AbortController();

  async function call(
    op: "encode" | "decode",
    payloads: readonly Payload[],
    what: string,
    stop: AbortSignal | undefined,
  ): Promise<Payload[]> {
    const url = `${endpoint}/${op}`;
    const doing = `to ${op} ${what}`;
    let response: Response;
    let answer: { text: string; more: boolean };
    try {
      response = await fetchImpl(url, {
        method: "POST",
        headers,
        body: JSON.stringify({ payloads: payloads.map(payloadToJson) }),
        // A redirect would carry the payloads, in the clear when encoding, to a URL the user never gave.
        redirect: "manual",
        signal: AbortSignal.any([closing.signal, AbortSignal.timeout(CODEC_TIMEOUT_MS), ...(stop ? [stop] : [])]),
      });
      answer = await readAtMost(response, response.ok ? MAX_ANSWER_BYTES : BODY_EXCERPT);
    } catch (error) {
      // The caller stopped it, or closed the client: not the codec server's trouble.
      if (stop?.aborted) throw stop.reason;
      if (closing.signal.aborted)
        throw fail(`the call to the codec server ${url} ${doing} was stopped: the client closed`);
      throw fail(`the codec server ${url} could not be reached ${doing}: ${unreachableReason(error)}`);
    }
    if (response.status >= 300 && response.status < 400) {
      const location = response.headers.get("location");
      throw new CodecError(
        maskSecrets(
          `the codec server ${url} answered ${doing} with a redirect (HTTP ${response.status})${location ? ` to ${withoutUserinfo(location)}` : ""}, which nxrun does not follow`,
          secrets,
        ),
        {
          hint: "give the URL the codec server answers at as --codec-endpoint / TEMPORAL_CODEC_ENDPOINT / the profile's codec.endpoint",
        },
      );
    }
    if (!response.ok) {
      const excerpt = answer.text.trim().slice(0, BODY_EXCERPT);
      throw fail(
        `the codec server ${url} refused ${doing}: HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}${excerpt ? `: ${excerpt}` : ""}`,
      );
    }
    if (answer.more) {
      throw fail(`the codec server ${url} answered ${doing} with more than ${MAX_ANSWER_BYTES / 1024 / 1024} MiB`);
    }
    const text = answer.text;
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw fail(`the codec server ${url} answered ${doing} with something that is not JSON`);
    }
    const list = (body as { payloads?: unknown } | null)?.payloads ?? [];
    if (!Array.isArray(list)) throw fail(`the codec server ${url} answered ${doing} without a list of payloads`);
    if (list.length !== payloads.length) {
      throw fail(
        `the codec server ${url} answered ${list.length} payload${list.length === 1 ? "" : "s"} for ${payloads.length} ${doing}`,
      );
    }
    return list.map((item, i) => {
      const payload = payloadFromJson(item);
      if (payload === undefined)
        throw fail(`the codec server ${url} answered ${doing} with payload ${i + 1} not a payload`);
      if (op === "decode" && payloadEncoding(payload) === STILL_ENCRYPTED) {
        throw new CodecError(
          maskSecrets(
            `the codec server ${url} answered ${doing} with payload ${i + 1} still ${STILL_ENCRYPTED}: it could not decrypt it`,
            secrets,
          ),
          { hint: "check that the codec server has the key (and key ID) the workers encrypt with" },
        );
      }
      return payload;
    });
  }

  return {
    encode: (payloads, what, signal) => call("encode", payloads, what, signal),
    decode: (payloads, what, signal) => call("decode", payloads, what, signal),
    close: () => closing.abort(),
  };
}
