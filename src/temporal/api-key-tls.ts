/**
 * The one rule for whether a connection uses TLS when nothing says so explicitly: an API key implies
 * TLS (as in the `temporal` CLI and the SDKs), because a bearer token must not cross the network in
 * clear text. Explicit settings win either way (`--tls`, a profile's `[tls]`, `tls: false`).
 */
export function tlsIsOn(explicit: boolean | undefined, apiKey: string | undefined): boolean {
  return explicit ?? Boolean(apiKey);
}
