/**
 * Checks the PEM material of a TLS connection before it is used, so a mistake in it is named as the
 * user's (exit 2, what is wrong and where it came from) rather than reaching OpenSSL, which either
 * throws its own text (`PEM routines::no start line`, `key values mismatch`) or, for a CA that is
 * not a certificate, quietly trusts nothing and then blames the server's certificate.
 */
import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import { UserError } from "../base/user-error.js";

const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** Where a piece of material came from, as the user gave it ("the file ca.pem", "the inline data"). */
export interface MaterialOrigin {
  /** e.g. "TLS CA certificate". */
  readonly what: string;
  /** e.g. "the file /etc/ca.pem". */
  readonly from: string;
  /** The settings that give it, for the hint. */
  readonly settings: string;
}

/** The certificates in `pem` (one or more PEM blocks); throws a UserError when there is none or one is broken. */
export function readCertificates(pem: string, origin: MaterialOrigin): X509Certificate[] {
  const blocks = pem.match(CERTIFICATE_BLOCK) ?? [];
  if (blocks.length === 0) {
    throw new UserError(`the ${origin.what} from ${origin.from} is not a PEM certificate`, {
      hint: `give a PEM file that holds "-----BEGIN CERTIFICATE-----" (${origin.settings})`,
    });
  }
  return blocks.map((block, i) => {
    try {
      return new X509Certificate(block);
    } catch {
      throw new UserError(
        `the ${origin.what} from ${origin.from} holds a certificate that cannot be read (PEM block ${i + 1} of ${blocks.length})`,
        { hint: `check the file is whole and unchanged (${origin.settings})` },
      );
    }
  });
}

/** The private key in `pem`; throws a UserError when it is not one, or is encrypted. */
export function readPrivateKey(pem: string, origin: MaterialOrigin): KeyObject {
  try {
    return createPrivateKey({ key: pem, format: "pem" });
  } catch (error) {
    const reason = error instanceof Error ? error.message : "";
    // OpenSSL asks for a passphrase for an encrypted key; Node reports that it has none.
    if (/ENCRYPTED/.test(pem) || /passphrase|bad decrypt|interrupted or cancelled/i.test(reason)) {
      throw new UserError(`the ${origin.what} from ${origin.from} is encrypted`, {
        hint: "nxrun takes no passphrase (nor do the temporal CLI and its config file): decrypt the key, e.g. `openssl pkey -in key.pem -out key-plain.pem`, keep that file private, and give it instead",
      });
    }
    throw new UserError(`the ${origin.what} from ${origin.from} is not a PEM private key`, {
      hint: `give a PEM file that holds "-----BEGIN PRIVATE KEY-----" or "-----BEGIN RSA PRIVATE KEY-----"/"EC PRIVATE KEY" (${origin.settings})`,
    });
  }
}

/** Throws a UserError when `key` is not the private key of `certificate` (the first of the chain). */
export function checkKeyPair(
  certificate: X509Certificate,
  key: KeyObject,
  certOrigin: MaterialOrigin,
  keyOrigin: MaterialOrigin,
): void {
  if (certificate.checkPrivateKey(key)) return;
  throw new UserError(
    `the ${keyOrigin.what} from ${keyOrigin.from} does not belong to the ${certOrigin.what} from ${certOrigin.from}`,
    { hint: "give the key the certificate was issued for (--tls-cert-path and --tls-key-path are a pair)" },
  );
}
