/**
 * Reading an execution ID back into the run's step, forEach item or compensation. The formats are
 * those of `src/engine/execution-ids.ts` (docs/connecting.md): `<runId>.<stepId>`,
 * `<runId>.<stepId>.<index>`, `<runId>.<stepId>.compensate`, and a repeat's attempts
 * `<runId>.<stepId>[.<index>].check-<n>`. Step IDs are identifiers (no dots), so
 * the part after `<runId>.` parses without ambiguity.
 */

/** Which part of a run an execution is. */
export type ExecutionRole =
  | { readonly role: "step"; readonly stepId: string; readonly check?: number }
  | { readonly role: "item"; readonly stepId: string; readonly index: number; readonly check?: number }
  | { readonly role: "compensation"; readonly stepId: string };

const REST = /^([A-Za-z_][A-Za-z0-9_]*)(?:\.(\d+|compensate))?(?:\.check-(\d+))?$/;

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
  const suffix = match[2];
  const check = match[3] === undefined ? {} : { check: Number(match[3]) };
  if (suffix === undefined) return { role: "step", stepId, ...check };
  if (suffix === "compensate") return match[3] === undefined ? { role: "compensation", stepId } : undefined;
  return { role: "item", stepId, index: Number(suffix), ...check };
}

/** How a role is shown in a table: `deploy`, `deploy[3]`, `deploy (compensate)`. */
export function roleLabel(role: ExecutionRole): string {
  switch (role.role) {
    case "step":
      return `${role.stepId}${role.check === undefined ? "" : ` check ${role.check}`}`;
    case "item":
      return `${role.stepId}[${role.index}]${role.check === undefined ? "" : ` check ${role.check}`}`;
    case "compensation":
      return `${role.stepId} (compensate)`;
    default: {
      const never: never = role;
      throw new Error(`unknown role ${JSON.stringify(never)}`);
    }
  }
}
