/**
 * The recent runs of a namespace: their manifest executions (task queue nxrun-manifests), newest
 * first by the run's start, one per run (a resumed run has one per session: the latest counts), each read back for its
 * state, start, who started it and its duration.
 */
import { eachAtMost } from "../base/each-at-most.js";
import type { TemporalClient } from "../temporal/types.js";
import type { RunManifest } from "./manifest/manifest.js";
import { MANIFEST_TASK_QUEUE, readManifest } from "./manifest/store.js";
import { type RunStateName, runStateOf } from "./run-state.js";
import { andQuery, queryString } from "./visibility-query.js";

export interface RecentRun {
  readonly runId: string;
  readonly pipeline: string;
  readonly state: RunStateName;
  readonly exitCode?: number;
  readonly startedAt: string;
  readonly startedBy: string;
  readonly closedAt?: string;
  readonly durationMs?: number;
}

const SUFFIX = "~manifest";
const READ_CONCURRENCY = 8;

/**
 * The IDs of the `limit` most recent runs, newest first, from the listing alone (no manifest read):
 * what `nxrun runs` shows, and what TAB offers for a run ID. `signal` stops the listing.
 */
export async function recentRunIds(
  client: TemporalClient,
  options: { pipeline?: string; limit: number; signal?: AbortSignal },
): Promise<string[]> {
  const query = andQuery(
    `TaskQueue = ${queryString(MANIFEST_TASK_QUEUE)}`,
    options.pipeline === undefined ? undefined : `ActivityType = ${queryString(options.pipeline)}`,
  );
  // Visibility lists open executions (runs in progress, and stopped ones) before closed ones, not by
  // time: take a wide window of manifests, the latest session of each run, and keep the newest.
  const latest = new Map<string, number>();
  let listed = 0;
  const pageSize = Math.min(1000, candidates(options.limit));
  const signal = options.signal ? { signal: options.signal } : {};
  for await (const entry of client.activities.list(query, { pageSize, ...signal })) {
    if (++listed > candidates(options.limit)) break;
    if (!entry.id.endsWith(SUFFIX)) continue;
    const runId = entry.id.slice(0, -SUFFIX.length);
    const at = entry.startTime?.getTime() ?? 0;
    if ((latest.get(runId) ?? -1) < at) latest.set(runId, at);
  }
  return [...latest]
    .sort((a, b) => b[1] - a[1])
    .slice(0, options.limit)
    .map(([runId]) => runId);
}

export async function recentRuns(
  client: TemporalClient,
  options: { pipeline?: string; limit: number; now?: Date },
): Promise<RecentRun[]> {
  const runIds = await recentRunIds(client, options);
  const now = (options.now ?? new Date()).getTime();
  const rows: Array<RecentRun | undefined> = new Array(runIds.length);
  await eachAtMost(runIds, READ_CONCURRENCY, async (runId, i) => {
    const read = await readManifest(client, runId);
    if (!read.found || !read.manifest) return;
    const manifest: RunManifest = read.manifest;
    const { state, exitCode } = runStateOf(read);
    const startMs = Date.parse(manifest.started.at);
    const closedAt = state === "in progress" || state === "stopped" ? undefined : read.closeTime?.toISOString();
    const endMs = closedAt === undefined ? (state === "in progress" ? now : undefined) : Date.parse(closedAt);
    rows[i] = {
      runId: manifest.runId,
      pipeline: manifest.pipeline,
      state,
      ...(exitCode === undefined ? {} : { exitCode }),
      startedAt: manifest.started.at,
      startedBy: manifest.started.by,
      ...(closedAt === undefined ? {} : { closedAt }),
      ...(endMs === undefined ? {} : { durationMs: endMs - startMs }),
    };
  });
  // Newest first by the run's own start (a resumed run's latest session started later than the run).
  return rows
    .filter((r): r is RecentRun => r !== undefined)
    .sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt) || a.runId.localeCompare(b.runId));
}

/** How many manifest executions to list for `limit` runs (a run has one per session). */
const candidates = (limit: number) => Math.max(limit * 4, 1000);
