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

/** grpc-js ChannelCredentials for TLS (optionally mTLS) to `address`. */
export class TlsChannelCredentials extends ChannelCredentials {
  private readonly secureContext: SecureContext;
  private readonly host: string;
  private readonly serverName: string | undefined;

  constructor(
    address: string,
    private readonly tls: TlsSettings,
  ) {
    super();
    this.secureContext = createSecureContext({
      ...(tls.serverRootCaCertificate ? { ca: Buffer.from(tls.serverRootCaCertificate) } : {}),
      ...(tls.clientCertPair
        ? { cert: Buffer.from(tls.clientCertPair.crt), key: Buffer.from(tls.clientCertPair.key) }
        : {}),
    });
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
    const { secureContext, host, serverName, tls } = this;
    const calls = callCredentials ?? CallCredentials.createEmpty();
    return {
      connect(socket: Socket): Promise<experimental.SecureConnectResult> {
        return new Promise((resolve, reject) => {
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
        });
      },
      waitForReady: () => Promise.resolve(),
      getCallCredentials: () => calls,
      destroy: () => undefined,
    };
  }
}
