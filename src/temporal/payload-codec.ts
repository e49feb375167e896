/**
 * A payload codec as the client layer uses it: batches of payloads turned into the payloads stored on
 * the server (encode) and back (decode), as the SDKs' PayloadCodec does. nxrun's own is the remote
 * codec server (codec-server.ts); without one, payloads travel as payloads.ts writes them.
 */
import type { TemporalApi } from "./proto.js";

export type Payload = TemporalApi.api.common.v1.IPayload;

export interface PayloadCodec {
  /**
   * One batch encoded, in order; `what` says for a message what the payloads are. Aborting `signal`
   * stops the call, which then rejects with the signal's reason.
   */
  encode(payloads: readonly Payload[], what: string, signal?: AbortSignal): Promise<Payload[]>;
  /** One batch decoded, in order; `signal` as for encode. */
  decode(payloads: readonly Payload[], what: string, signal?: AbortSignal): Promise<Payload[]>;
  /** Stops every call still under way (the client closes): none may keep the process alive. */
  close?(): void;
}
