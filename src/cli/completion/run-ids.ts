/**
 * Run IDs for TAB (`nxrun status <TAB>`, `--resume <TAB>`): the recent runs `nxrun runs` lists, from
 * the server the line's flags (then TEMPORAL_* and the profile) name. A TAB must never hang the
 * shell: the whole ask is bounded by DEADLINE_MS, and a server that does not answer in time, or any
 * failure at all, offers nothing and prints nothing.
 */
import { recentRunIds } from "../../runs/recent-runs.js";
import { clientOver, openRpc } from "../../temporal/connect.js";
import { type ConnectionOverrides, resolveConnection } from "../../temporal/connection-config.js";
import type { ServiceRpc } from "../../temporal/rpc.js";
import type { Candidate, Completion } from "./complete.js";

export const DEADLINE_MS = 1_500;
/** As many as `nxrun runs` shows by default and a little more: the ones a user means are recent. */
const LIMIT = 50;

/** The completion with the run IDs it asks for added (none when the server does not answer in time). */
export async function withRunIds(
  completion: Completion,
  env: NodeJS.ProcessEnv,
  deadlineMs: number = DEADLINE_MS,
): Promise<Completion> {
  if (!completion.runIds) return completion;
  const { prefix, flags } = completion.runIds;
  const ids = await askRunIds(flags as ConnectionOverrides, env, deadlineMs);
  const candidates: Candidate[] = offeredRunIds(ids, prefix).map((value) => ({ value }));
  return { candidates: [...completion.candidates, ...candidates] };
}

/**
 * A run ID goes into the command line as it is (bash and zsh quote only file names), and anyone who
 * can start a run can choose its ID (`--run-id`): only IDs a shell reads back as themselves, one word
 * with nothing to expand or run, no control character, are offered.
 */
const SHELL_WORD = /^[\p{L}\p{N}._@%+=:,/-]+$/u;

/** The run IDs among `ids` that start with `prefix` and are safe to put on a command line unquoted. */
export function offeredRunIds(ids: readonly string[], prefix: string): string[] {
  return ids.filter((id) => id.startsWith(prefix) && SHELL_WORD.test(id));
}

async function askRunIds(flags: ConnectionOverrides, env: NodeJS.ProcessEnv, deadlineMs: number): Promise<string[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), deadlineMs);
  let rpc: ServiceRpc | undefined;
  try {
    const options = await resolveConnection(flags, undefined, env);
    // No GetSystemInfo first (connect's check): the listing itself tells whether the server is there.
    rpc = openRpc({ ...options, connectTimeout: deadlineMs });
    const client = clientOver(rpc, "nxrun-completion");
    return await recentRunIds(client, { limit: LIMIT, signal: controller.signal });
  } catch {
    return [];
  } finally {
    clearTimeout(timer);
    rpc?.close();
  }
}
