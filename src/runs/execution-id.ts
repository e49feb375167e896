/**
 * Reading an execution ID back into the run's step, forEach item or compensation. The formats are
 * those of `src/engine/execution-ids.ts` (docs/connecting.md): `<runId>.<stepId>`,
 * `<runId>.<stepId>.<index>`, `<runId>.<stepId>.compensate` (an item's: `<runId>.<stepId>.<index>.compensate`), and a repeat's attempts
 * `<runId>.<stepId>[.<index>].check-<n>`; each with `@<attempt>` after the step ID when a `--from`
 * rerun made it (`<runId>.<stepId>@2.3`).; the steps of a used pipeline
 * (uses:) have their uses step's key (and item index) before theirs: `<runId>.db.createDb`,
 * `<runId>.db.2.createDb`. Step IDs are identifiers (no dots, no `@`), so the part after
 * `<runId>.` parses without ambiguity.
 */

/** Which part of a run an execution is. */
export type ExecutionRole =
  | { readonly role: "step"; readonly stepId: string; readonly attempt: number; readonly check?: number }
  | {
      readonly role: "item";
      readonly stepId: string;
      readonly attempt: number;
      readonly index: number;
      readonly check?: number;
    }
  | {
      readonly role: "compensation";
      readonly stepId: string;
      readonly attempt: number;
      /** The forEach item it undoes (`<runId>.<stepId>.<index>.compensate`). */
      readonly index?: number;
    };

// The uses path before the step (`db.`, `db@2.` or `db.2.`, at any depth), the step and its
// rerun attempt, then its suffixes.
const PATH = /^((?:[A-Za-z_][A-Za-z0-9_]*(?:@[1-9]\d*)?(?:\.\d+)?\.)*)([A-Za-z_][A-Za-z0-9_]*)(?:@([1-9]\d*))?$/;
const SUFFIX = /^(.*?)(?:\.(\d+))?(?:\.(compensate))?(?:\.check-(\d+))?$/;

/**
 * The role of `executionId` in run `runId`; undefined when the ID is not one of that run's. A step
 * of a used pipeline is named by its path, `db.createDb` or `db[2].createDb`. (A run whose ID is
 * another's plus `.x` cannot be told from that run's uses step `x`; nxrun's own run IDs hold no dot.)
 */
export function executionRole(runId: string, executionId: string): ExecutionRole | undefined {
  const prefix = `${runId}.`;
  if (!executionId.startsWith(prefix)) return undefined;
  const parts = SUFFIX.exec(executionId.slice(prefix.length));
  const match = parts ? PATH.exec(parts[1] as string) : null;
  if (!parts || !match) return undefined;
  const stepId = `${(match[1] as string).replace(/\.(\d+)\./g, "[$1].")}${match[2] as string}`;
  const attempt = match[3] === undefined ? 1 : Number(match[3]);
  const check = parts[4] === undefined ? {} : { check: Number(parts[4]) };
  if (parts[3] !== undefined) {
    if (parts[4] !== undefined) return undefined;
    return { role: "compensation", stepId, attempt, ...(parts[2] === undefined ? {} : { index: Number(parts[2]) }) };
  }
  if (parts[2] === undefined) return { role: "step", stepId, attempt, ...check };
  return { role: "item", stepId, attempt, index: Number(parts[2]), ...check };
}

/** How a role is shown in a table: `deploy`, `deploy[3]`, `deploy (compensate)`, `deploy@2[3]` for a rerun. */
export function roleLabel(role: ExecutionRole): string {
  const step = role.attempt > 1 ? `${role.stepId}@${role.attempt}` : role.stepId;
  switch (role.role) {
    case "step":
      return `${step}${role.check === undefined ? "" : ` check ${role.check}`}`;
    case "item":
      return `${step}[${role.index}]${role.check === undefined ? "" : ` check ${role.check}`}`;
    case "compensation":
      return `${step}${role.index === undefined ? "" : `[${role.index}]`} (compensate)`;
    default: {
      const never: never = role;
      throw new Error(`unknown role ${JSON.stringify(never)}`);
    }
  }
}
