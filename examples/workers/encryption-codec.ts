/**
 * The example payload codec: AES-256-GCM over each whole payload, as the Temporal samples' encryption
 * codec does (same key, key ID, encoding and layout: a 12-byte nonce, then ciphertext and tag), so it
 * reads what the Python and Go samples wrote. The worker (encrypted-worker.ts) and the codec server
 * (codec-server.ts) share it: nxrun never holds the key, it asks the codec server.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { Payload, PayloadCodec } from "@temporalio/common";
import proto from "@temporalio/proto";

const PayloadMessage = proto.temporal.api.common.v1.Payload;
const ENCODING = "binary/encrypted";
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The samples' key: fine for an example, never for real data (use your key service). */
export const SAMPLE_KEY = "test-key-test-key-test-key-test!";
export const SAMPLE_KEY_ID = "test-key-id";

export class EncryptionCodec implements PayloadCodec {
  private readonly key: Buffer;
  constructor(
    key: string = process.env.NXRUN_EXAMPLE_CODEC_KEY ?? SAMPLE_KEY,
    private readonly keyId: string = SAMPLE_KEY_ID,
  ) {
    this.key = Buffer.from(key);
    if (this.key.length !== 32) throw new Error("the codec key must be 32 bytes (AES-256)");
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => ({
      metadata: { encoding: encoder.encode(ENCODING), "encryption-key-id": encoder.encode(this.keyId) },
      data: this.encrypt(PayloadMessage.encode(payload).finish()),
    }));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      // A payload this codec did not encode passes through, as in the samples.
      const encoding = payload.metadata?.encoding;
      if (!encoding || decoder.decode(encoding) !== ENCODING) return payload;
      const keyId = decoder.decode(payload.metadata?.["encryption-key-id"] ?? new Uint8Array());
      if (keyId !== this.keyId) throw new Error(`unknown encryption key ID ${keyId}`);
      return PayloadMessage.decode(this.decrypt(payload.data ?? new Uint8Array())) as Payload;
    });
  }

  private encrypt(data: Uint8Array): Uint8Array {
    const nonce = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key, nonce);
    return Buffer.concat([nonce, cipher.update(data), cipher.final(), cipher.getAuthTag()]);
  }

  private decrypt(data: Uint8Array): Uint8Array {
    const bytes = Buffer.from(data);
    const decipher = createDecipheriv("aes-256-gcm", this.key, bytes.subarray(0, 12));
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    return Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]);
  }
}
