/**
 * Notices a server that stopped answering without refusing anything: behind a network partition that
 * drops packets, calls neither fail nor return, and grpc-js's keepalive (connect.ts) would tell only
 * after its ping interval and timeout, longer than a user waits in the dark. So while calls are
 * waiting and nothing has answered for QUIET_MS, one cheap call with a short deadline asks: no
 * answer in time is "lost" (connection-health.ts); the next answer, to it or to any call,
 * "reconnected". A server that answers costs one small call per QUIET_MS during long waits.
 */
import type { ConnectionHealth } from "./connection-health.js";
import { notNowReason } from "./retry-rule.js";

export const QUIET_MS = 4_000;
export const ASK_TIMEOUT_MS = 3_000;
const CHECK_MS = 1_000;

/** The call that asks; it rejects with the gRPC failure (its `code`) when no answer came. */
export type Ask = (timeoutMs: number) => Promise<unknown>;

/** Watches `health` until the returned function is called. The timer keeps no process alive. */
export function watchSilence(health: ConnectionHealth, ask: Ask): () => void {
  let asking = false;
  const check = () => {
    const quiet = health.quietFor();
    if (asking || quiet === undefined || quiet < QUIET_MS) return;
    asking = true;
    const askedAt = health.now();
    ask(ASK_TIMEOUT_MS)
      .catch((error: unknown) => {
        const reason = notNowReason(error);
        if (reason === "noAnswer" || reason === "unavailable") health.silent("server not answering", askedAt);
        // Any other failure is the server's answer: it is there.
        else health.answered();
      })
      .finally(() => {
        asking = false;
      });
  };
  const timer = setInterval(check, CHECK_MS);
  timer.unref();
  return () => clearInterval(timer);
}
