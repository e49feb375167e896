/**
 * Reading an execution ID back into the run's step, forEach item or compensation. The formats are
 * those of `src/engine/execution-ids.ts` (docs/connecting.md): `<runId>.<stepId>`,
 * `<runId>.<stepId>.<index>`, `<runId>.<stepId>.compensate`, and a repeat's attempts
 * `<runId>.<stepId>[.<index>].check-<n>`; each with `@<attempt>` after the step ID when a `--from`
 * rerun made it (`<runId>.<stepId>@2.3`). Step IDs are identifiers (no dots, no `@`), so the part
 * after `<runId>.` parses without ambiguity.
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
  | { readonly role: "compensation"; readonly stepId: string; readonly attempt: number };

const REST = /^([A-Za-z_][A-Za-z0-9_]*)(?:@([1-9]\d*))?(?:\.(\d+|compensate))?(?:\.check-(\d+))?$/;

/**
 * The role of `executionId` in run `runId`; undefined when the ID is not one of that run's. This
 * also drops a prefix match from another run whose ID merely starts with `<runId>.` (run `a` and
 * run `a.b`): such IDs have a dot in what would be the step ID.
 */
export function executionRole(runId: string, executionId: string): ExecutionRole | undefined {
  const prefix = `${runId}.`;
  if (!executionId.startsWith(prefix)) return undefined;
  const match = REST.exec(executionId.slice(prefix.length));
  if (!match) return undefined;
  const stepId = match[1] as string;
  const attempt = match[2] === undefined ? 1 : Number(match[2]);
  const suffix = match[3];
  const check = match[4] === undefined ? {} : { check: Number(match[4]) };
  if (suffix === undefined) return { role: "step", stepId, attempt, ...check };
  if (suffix === "compensate") return match[4] === undefined ? { role: "compensation", stepId, attempt } : undefined;
  return { role: "item", stepId, attempt, index: Number(suffix), ...check };
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
      return `${step} (compensate)`;
    default: {
      const never: never = role;
      throw new Error(`unknown role ${JSON.stringify(never)}`);
    }
  }
}
