/**
 * The execution IDs a run builds (src/engine/execution-ids.ts for steps, items, compensations and
 * repeats; the run's records in src/runs/manifest/), held to the server's ID length limit
 * (src/temporal/server-limits.ts) before anything starts: `check` with a run ID as nxrun generates
 * it, `run` with the run's own (`--run-id`, `--resume`). Without this, a long step ID passes `check`
 * and the server refuses its start mid-run.
 */
import type { SourcePosition } from "../base/source-position.js";
import {
  compensationExecutionId,
  itemCompensationExecutionId,
  itemExecutionId,
  repeatExecutionId,
  stepExecutionId,
} from "../engine/execution-ids.js";
import type { Diagnostic } from "../pipeline/diagnostic.js";
import { Codes } from "../pipeline/diagnostic-codes.js";
import type { Pipeline, Step } from "../pipeline/model.js";
import { formatBytes, SERVER_LIMITS } from "../temporal/server-limits.js";
import { journalRecordId } from "./manifest/journal.js";
import { compensationsRecordId, itemsRecordId, outputsRecordId, varsRecordId } from "./manifest/records.js";
import { manifestExecutionId } from "./manifest/store.js";

const encoder = new TextEncoder();

/** Where the run ID comes from: it decides what the hint tells the user to shorten. */
export type RunIdSource = "generated" | "flag";

/**
 * A diagnostic for each step whose longest execution ID is over the limit, at the step, and one for
 * a run ID that makes the run's own records too long. The longest ID of a forEach step counts the
 * last index of a literal list, one digit otherwise; of a repeat, its `limit` checks.
 */
export function idLengthProblems(
  pipeline: Pipeline,
  runId: string,
  source: RunIdSource,
  limit: number = SERVER_LIMITS.id.bytes,
): Diagnostic[] {
  const problems: Diagnostic[] = [];
  const over = (id: string) => encoder.encode(id).length > limit;
  const limitText = `over the server's limit of ${formatBytes(limit)} (${SERVER_LIMITS.id.setting})`;
  const runIdText =
    source === "flag"
      ? `run ID ${cut(runId)} (${formatBytes(bytesOf(runId))})`
      : `a run ID nxrun generates (${formatBytes(bytesOf(runId))}: the pipeline's name, the time and 4 characters)`;

  const records = [
    manifestExecutionId(runId),
    compensationsRecordId(runId),
    outputsRecordId(runId),
    varsRecordId(runId),
    journalRecordId(runId, 0),
  ];
  const longestRecord = longest(records);
  if (over(longestRecord)) {
    problems.push({
      code: Codes.idTooLong,
      severity: "error",
      message: `with ${runIdText}, the run's record ${cut(longestRecord)} is ${formatBytes(bytesOf(longestRecord))}, ${limitText}`,
      hint: source === "flag" ? "give a shorter --run-id" : "shorten the pipeline's name",
      file: pipeline.file,
      line: 0,
      column: 0,
    });
    return problems;
  }

  const walk = (steps: readonly Step[], prefix: string, path: string, top: boolean) => {
    for (const step of steps) {
      const ids = stepIds(step, prefix);
      if (top && step.forEach !== undefined) ids.push(itemsRecordId(runId, step.id, 1));
      const id = longest(ids);
      if (over(id)) {
        problems.push(tooLong(step, `${path}${step.id}`, id, runIdText, limitText, source));
        continue;
      }
      if (step.call.kind === "uses") {
        const nested =
          step.forEach === undefined
            ? stepExecutionId(prefix, step.id)
            : itemExecutionId(prefix, step.id, lastIndex(step));
        walk([...step.call.pipeline.steps, ...step.call.pipeline.finally], nested, `${path}${step.id}.`, false);
      }
    }
  };
  walk([...pipeline.steps, ...pipeline.finally], runId, "", true);
  return problems;
}

/** The execution IDs a step makes under `prefix` (the run ID, or its uses step's ID). */
function stepIds(step: Step, prefix: string): string[] {
  const single = stepExecutionId(prefix, step.id);
  const item = step.forEach === undefined ? undefined : itemExecutionId(prefix, step.id, lastIndex(step));
  const ids = [single];
  if (item !== undefined) ids.push(item);
  if (step.repeat !== undefined) ids.push(repeatExecutionId(item ?? single, step.repeat.limit ?? 1));
  if (step.compensate !== undefined)
    ids.push(
      step.forEach === undefined
        ? compensationExecutionId(prefix, step.id)
        : itemCompensationExecutionId(prefix, step.id, lastIndex(step)),
    );
  return ids;
}

function tooLong(
  step: Step,
  path: string,
  id: string,
  runIdText: string,
  limitText: string,
  source: RunIdSource,
): Diagnostic {
  const position: SourcePosition = step.position;
  return {
    code: Codes.idTooLong,
    severity: "error",
    message: `step ${cut(path)}: with ${runIdText}, its execution ID ${cut(id)} is ${formatBytes(bytesOf(id))}, ${limitText}`,
    hint:
      source === "flag"
        ? "shorten the step ID (and the uses steps' IDs before it), or give a shorter --run-id"
        : "shorten the step ID (and the uses steps' IDs before it) or the pipeline's name",
    file: position.file,
    line: position.line,
    column: position.column,
  };
}

/** The last index of a forEach: known for a literal list, else counted as one digit. */
function lastIndex(step: Step): number {
  const written = step.forEach;
  return written?.kind === "array" ? Math.max(written.items.length - 1, 0) : 0;
}

function longest(ids: readonly string[]): string {
  return ids.reduce((a, b) => (bytesOf(b) > bytesOf(a) ? b : a));
}

function bytesOf(text: string): number {
  return encoder.encode(text).length;
}

/** A long ID shown by its ends, so a message stays one line; cut between characters, never in a pair. */
function cut(text: string): string {
  const chars = Array.from(text);
  return chars.length <= 60 ? text : `${chars.slice(0, 30).join("")}…${chars.slice(-25).join("")}`;
}
