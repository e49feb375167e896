/**
 * The executions that form one run, found through visibility: every activity whose `ActivityId` and
 * every Nexus operation whose `OperationId` starts with `<runId>.` (see visibility-query.ts for why a
 * prefix query and not a search attribute).
 */

import { eachAtMost } from "../base/each-at-most.js";
import { maskNeedles, secretNeedles } from "../base/mask-secrets.js";
import { UserError } from "../base/user-error.js";
import { describeErrorChain } from "../engine/error-chain.js";
import { stepErrorFromFailure } from "../engine/step-errors.js";
import { executionsOf } from "../temporal/executions-of.js";
import { UnimplementedError } from "../temporal/service-errors.js";
import type {
  ExecutionDescription,
  ExecutionKind,
  ExecutionListEntry,
  ExecutionStatus,
  FailureInfo,
  TemporalClient,
} from "../temporal/types.js";
import { type ExecutionRole, executionRole } from "./execution-id.js";
import { andQuery, idPrefixQuery } from "./visibility-query.js";

/** One execution of a run, as visibility lists it, with its place in the run. */
export interface RunExecution extends ExecutionListEntry {
  readonly role: ExecutionRole;
  /** The failure that closed it (or the last attempt's, while it retries); filled by `addFailureMessages`. */
  failureMessage?: string;
}

/** The visibility query for one kind of a run's executions, optionally narrowed further. */
export function runQuery(kind: ExecutionKind, runId: string, narrower?: string): string {
  return andQuery(idPrefixQuery(kind, `${runId}.`), narrower);
}

const PAGE_SIZE = 1000;

/**
 * Checked against the dev server: an ID holding `"` or `\` matches no visibility query at all (not
 * even `ActivityId = ...`, however it is quoted or escaped), while `'`, `%` and `_` work. Such a run
 * cannot be found this way, so say so instead of reporting it unknown.
 */
export function checkRunIdSearchable(runId: string): void {
  if (/["\\]/.test(runId)) {
    throw new UserError(
      `run ID ${JSON.stringify(runId)} holds " or \\, which Temporal visibility queries cannot match`,
      {
        hint: "give run IDs without quotes and backslashes (--run-id); each execution can still be described by its ID with the temporal CLI",
      },
    );
  }
  if (runId.trim() === "")
    throw new UserError("the run ID is empty", { hint: "give the ID nxrun printed when the run started" });
}

/** Every execution of the run (both kinds), ordered by start time, then ID. */
export async function findRunExecutions(
  client: TemporalClient,
  runId: string,
  options: { narrower?: string } = {},
): Promise<RunExecution[]> {
  checkRunIdSearchable(runId);
  const found: RunExecution[] = [];
  for (const executions of [client.activities, client.nexus]) {
    try {
      for await (const entry of executions.list(runQuery(executions.kind, runId, options.narrower), {
        pageSize: PAGE_SIZE,
      })) {
        const role = executionRole(runId, entry.id);
        if (role) found.push({ ...entry, role });
      }
    } catch (error) {
      // A server with standalone activities but not Nexus operations (the Temporal CLI 1.9 dev server
      // started without nexusoperation.enableStandalone) could start none of the run's operations:
      // its activities are the whole run, and status, cancel and watch still work on them.
      if (executions.kind === "nexus" && error instanceof UnimplementedError) continue;
      throw error;
    }
  }
  return found.sort(
    (a, b) => (a.startTime?.getTime() ?? 0) - (b.startTime?.getTime() ?? 0) || a.id.localeCompare(b.id),
  );
}

/** Statuses whose executions have a failure worth showing. */
const WITH_FAILURE: ReadonlySet<ExecutionStatus> = new Set(["failed", "timedOut", "canceled", "terminated", "running"]);

/** Most Describe calls made for failure messages; a run of thousands of items stays a bounded cost. */
export const MAX_DESCRIBES = 200;
const DESCRIBE_CONCURRENCY = 8;

/**
 * Visibility does not carry failures: Describe each execution that did not complete (the closing
 * failure, or a running one's last attempt failure), up to MAX_DESCRIBES. Returns how many were left
 * undescribed. An execution gone since it was listed (retention) keeps no message.
 *
 * Visibility also lags the server (more on a loaded one), so a
 * list read just after an execution closed can still show it running; Describe is up to date, so a
 * described execution takes the status and close time Describe gives.
 *
 * `secrets` are masked in each message before its lines are joined (a secret holding a newline would
 * no longer match once they are): the server keeps what the worker wrote, and this process shows it.
 */
export async function addFailureMessages(
  client: TemporalClient,
  executions: RunExecution[],
  secrets: readonly string[],
): Promise<number> {
  const needles = secretNeedles(secrets);
  const wanted = executions.filter((e) => WITH_FAILURE.has(e.status));
  const todo = wanted.slice(0, MAX_DESCRIBES);
  await eachAtMost(todo, DESCRIBE_CONCURRENCY, async (execution) => {
    let description: ExecutionDescription;
    try {
      description = await executionsOf(client, execution.kind).describe(execution.id, execution.runId || undefined);
    } catch {
      // Gone (retention) or unreachable for the moment: the listed state stands.
      return;
    }
    execution.status = description.status;
    if (description.closeTime) execution.closeTime = description.closeTime;
    const failure = failureOf(description);
    if (failure) execution.failureMessage = failureText(failure, needles);
  });
  return wanted.length - todo.length;
}

/** The failure that closed an execution, or while it runs its last attempt's. */
function failureOf(description: ExecutionDescription): FailureInfo | undefined {
  const outcome = description.outcome;
  return outcome && outcome.status !== "completed" ? outcome.failure : description.lastFailure;
}

/**
 * A failure and its causes on one line, as every output writes a chain (src/engine/error-chain.ts),
 * with `needles` (secretNeedles) masked first.
 */
export function failureText(failure: FailureInfo, needles: readonly string[] = []): string {
  return maskNeedles(describeErrorChain(stepErrorFromFailure(failure)), needles).replaceAll(/\s*\n\s*/g, " ");
}
