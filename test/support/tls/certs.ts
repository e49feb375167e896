/**
 * Test certificates made with the openssl CLI: a CA, a server certificate for a made-up host name
 * (so a test must pass --tls-server-name), a client certificate for mTLS, and a second, unrelated CA
 * to show that a wrong CA is refused. Everything lives in one temp folder the caller removes.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The host name in the server certificate; not resolvable, only verified. */
export const SERVER_NAME = "temporal.nxrun.test";

export interface TestCertificates {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCaCert: string;
  clientCert: string;
  clientKey: string;
  /** A CA that signed none of the above. */
  otherCaCert: string;
}

function openssl(dir: string, args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
}

/** A self-signed CA: `<name>.crt`, `<name>.key`. */
export function makeCa(dir: string, name: string, subject: string): void {
  openssl(dir, [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "2",
    "-subj",
    `/CN=${subject}`,
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.crt`,
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ]);
}

/** A leaf certificate `<name>.crt`, `<name>.key` signed by the CA `<ca>.crt`, with the given extensions. */
export function makeLeaf(dir: string, name: string, ca: string, subject: string, extensions: string): void {
  openssl(dir, [
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-subj",
    `/CN=${subject}`,
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.csr`,
  ]);
  writeFileSync(join(dir, `${name}.ext`), extensions);
  openssl(dir, [
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    `${ca}.crt`,
    "-CAkey",
    `${ca}.key`,
    "-CAcreateserial",
    "-days",
    "2",
    "-out",
    `${name}.crt`,
    "-extfile",
    `${name}.ext`,
  ]);
}

/** Generates every certificate a TLS test needs into a fresh temp folder. */
export function makeTestCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), "nxrun-tls-"));
  makeCa(dir, "ca", "nxrun test CA");
  makeCa(dir, "client-ca", "nxrun test client CA");
  makeCa(dir, "other-ca", "some other CA");
  makeLeaf(
    dir,
    "server",
    "ca",
    SERVER_NAME,
    `subjectAltName=DNS:${SERVER_NAME}\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n`,
  );
  makeLeaf(
    dir,
    "client",
    "client-ca",
    "nxrun test client",
    "extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n",
  );
  const at = (file: string) => join(dir, file);
  return {
    dir,
    caCert: at("ca.crt"),
    serverCert: at("server.crt"),
    serverKey: at("server.key"),
    clientCaCert: at("client-ca.crt"),
    clientCert: at("client.crt"),
    clientKey: at("client.key"),
    otherCaCert: at("other-ca.crt"),
  };
}
