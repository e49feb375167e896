/**
 * The inputs of executions known before a run (before-run-check.ts finds them: what reads only
 * inputs, vars and literals), measured as the server will measure them (src/temporal/payload-size.ts),
 * and those over the server's payload limit as diagnostics, so the run is refused with nothing
 * started. Measured as nxrun encodes them: a payload codec re-encodes them, so with one the size is
 * known only at the start, where src/temporal/ checks it again.
 */
import type { SourcePosition } from "../base/source-position.js";
import { inputBytes } from "../temporal/payload-size.js";
import { encodePayload } from "../temporal/payloads.js";
import { formatBytes, PAYLOAD_HINT, payloadLimit, type ServerLimits } from "../temporal/server-limits.js";
import type { ExecutionKind } from "../temporal/types.js";
import type { Diagnostic } from "./diagnostic.js";
import { Codes } from "./diagnostic-codes.js";

/** An execution's input known before the run: what it is for, its size, and where it is written. */
export interface KnownPayload {
  /** `step fetch`, `step fetch, compensate`, `step db.create`. */
  readonly what: string;
  readonly bytes: number;
  readonly position: SourcePosition;
}

/** The size of a start's input: an activity's arguments, a Nexus operation's input (none: a null payload). */
export function valuesBytes(kind: ExecutionKind, values: readonly unknown[]): number {
  const payloads = kind === "nexus" && values.length === 0 ? [encodePayload(undefined)] : values.map(encodePayload);
  return inputBytes(kind, payloads);
}

/** The run's inputs as its manifest keeps them (src/runs/manifest/): at least their JSON. */
function inputsBytes(inputs: Readonly<Record<string, unknown>>): number {
  return valuesBytes("activity", [inputs]);
}

/**
 * The problems of a run's payloads known before it starts: each execution input over `limits`, and
 * the run's inputs when its manifest (`manifest`, unless it has one already) keeps them.
 */
export function payloadProblems(
  payloads: readonly KnownPayload[],
  limits: ServerLimits,
  manifest?: { readonly inputs: Readonly<Record<string, unknown>>; readonly file: string },
): Diagnostic[] {
  const problems = oversizePayloads(payloads, limits);
  const inputs = manifest && oversizeInputs(manifest.inputs, manifest.file, limits);
  return inputs ? [...problems, inputs] : problems;
}

/** A diagnostic for each known input over `limits`, at the place it is written. */
function oversizePayloads(payloads: readonly KnownPayload[], limits: ServerLimits): Diagnostic[] {
  const limit = payloadLimit(limits);
  return payloads
    .filter((payload) => payload.bytes > limit.bytes)
    .map((payload) => ({
      code: Codes.payloadTooLarge,
      severity: "error",
      message: `${payload.what}: its input is ${formatBytes(payload.bytes)} encoded, over ${limit.text}`,
      hint: PAYLOAD_HINT,
      file: payload.position.file,
      line: payload.position.line,
      column: payload.position.column,
    }));
}

/** The run's inputs over `limits`: its manifest, which keeps them, could not be written. */
function oversizeInputs(
  inputs: Readonly<Record<string, unknown>>,
  file: string,
  limits: ServerLimits,
): Diagnostic | undefined {
  const bytes = inputsBytes(inputs);
  const limit = payloadLimit(limits);
  if (bytes <= limit.bytes) return undefined;
  return {
    code: Codes.payloadTooLarge,
    severity: "error",
    message: `the run's inputs are ${formatBytes(bytes)} encoded, over ${limit.text}: the run keeps them in its manifest on the server`,
    hint: "give large data by reference (a URL, a path or a key the worker reads) as an input instead of the data itself",
    file,
    line: 0,
    column: 0,
  };
}
