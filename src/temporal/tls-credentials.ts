/**
 * TLS channel credentials that send a server name (SNI) only when there is a host name to send.
 * grpc-js's own TLS credentials always set Node's `servername` to the target's host, also when that
 * is an IP address, which RFC 6066 forbids and Node reports with a DEP0123 deprecation warning on
 * stderr. Here the server name is --tls-server-name when given, else the address's host unless it
 * is an IP; the certificate is verified against that name, or against the IP when none is sent.
 */
import { isIP, type Socket } from "node:net";
import { checkServerIdentity, createSecureContext, type SecureContext, connect as tlsConnect } from "node:tls";
import { CallCredentials, ChannelCredentials, experimental } from "@grpc/grpc-js";
import { UserError } from "../base/user-error.js";
import type { TlsSettings } from "./types.js";

/** The host of a gRPC target: `host:port`, `[v6]:port`, or with a `dns:`/`ipv4:`/`ipv6:` scheme. */
export function targetHost(address: string): string {
  const path = address.replace(/^(dns|ipv4|ipv6):(\/\/[^/]*\/)?/, "");
  return experimental.splitHostPort(path)?.host ?? path;
}

/** The TLS server name to send for this address, or undefined for none (an IP address, no override). */
export function tlsServerName(address: string, tls: TlsSettings): string | undefined {
  if (tls.serverName) return tls.serverName;
  const host = targetHost(address);
  return isIP(host) ? undefined : host;
}

/** A TLS handshake that did not complete: the connection closed, or no answer came in time. */
export class TlsHandshakeError extends Error {
  override readonly name = "TlsHandshakeError";
}

/** grpc-js ChannelCredentials for TLS (optionally mTLS) to `address`. */
export class TlsChannelCredentials extends ChannelCredentials {
  private readonly secureContext: SecureContext;
  private readonly host: string;
  private readonly serverName: string | undefined;

  constructor(
    address: string,
    private readonly tls: TlsSettings,
    private readonly handshakeTimeoutMs: number,
  ) {
    super();
    try {
      this.secureContext = createSecureContext({
        ...(tls.serverRootCaCertificate ? { ca: Buffer.from(tls.serverRootCaCertificate) } : {}),
        ...(tls.clientCertPair
          ? { cert: Buffer.from(tls.clientCertPair.crt), key: Buffer.from(tls.clientCertPair.key) }
          : {}),
      });
    } catch (error) {
      // resolveConnection checks the material first (tls-material.ts); this covers a program that
      // builds ConnectionOptions itself. OpenSSL's reason names no key material.
      throw new UserError(`the TLS certificates or key cannot be used: ${(error as Error).message}`, {
        hint: "give PEM files: the CA and client certificates, and the unencrypted private key of the client certificate",
      });
    }
    this.host = targetHost(address);
    this.serverName = tlsServerName(address, tls);
  }

  _isSecure(): boolean {
    return true;
  }

  _equals(other: ChannelCredentials): boolean {
    return other === this;
  }

  _createSecureConnector(
    _target: experimental.GrpcUri,
    _options: unknown,
    callCredentials?: CallCredentials,
  ): experimental.SecureConnector {
    const { secureContext, host, serverName, tls, handshakeTimeoutMs } = this;
    const calls = callCredentials ?? CallCredentials.createEmpty();
    // Sockets whose handshake is under way. grpc-js destroys the connector when the channel closes
    // and otherwise leaves a handshake no one answers pending forever, which kept the process alive
    // after it had reported the error (a TLS client against a port that accepts and says nothing).
    const pending = new Set<Socket>();
    return {
      connect(socket: Socket): Promise<experimental.SecureConnectResult> {
        pending.add(socket);
        return new Promise<experimental.SecureConnectResult>((resolve, reject) => {
          const tlsSocket = tlsConnect(
            {
              socket,
              secureContext,
              // Verified against when no server name is sent; Node reads `servername || host`.
              host,
              ...(serverName ? { servername: serverName } : {}),
              ALPNProtocols: ["h2"],
              checkServerIdentity: tls.disableHostVerification ? () => undefined : checkServerIdentity,
            },
            () => {
              if (!tlsSocket.authorized) {
                reject(tlsSocket.authorizationError);
                return;
              }
              resolve({ socket: tlsSocket, secure: true });
            },
          );
          tlsSocket.on("error", reject);
          // A destroyed socket that never errored (destroy() below) must still settle the attempt.
          socket.once("close", () => reject(new TlsHandshakeError("the connection closed during the TLS handshake")));
          // A handshake not answered in time fails like a refused one, so grpc-js tries again later.
          const timer = setTimeout(() => {
            reject(new TlsHandshakeError(`no answer to the TLS handshake in ${handshakeTimeoutMs / 1000} s`));
            socket.destroy();
          }, handshakeTimeoutMs);
          timer.unref();
          tlsSocket.once("secureConnect", () => clearTimeout(timer));
          tlsSocket.once("close", () => clearTimeout(timer));
        }).finally(() => pending.delete(socket));
      },
      waitForReady: () => Promise.resolve(),
      getCallCredentials: () => calls,
      destroy: () => {
        for (const socket of pending) socket.destroy();
        pending.clear();
      },
    };
  }
}
