/**
 * `nxrun check file...`: every diagnostic of every file; exit 0 when no file has an error, 2 otherwise.
 * Imports only the language layers (no gRPC, Ink or engine) so it starts fast.
 */

import type { Diagnostic } from "../spec/diagnostic.js";
import { formatDiagnostics } from "../spec/format.js";
import { loadPipeline } from "../spec/load.js";
import type { Pipeline } from "../spec/model.js";
import { UserError } from "../user-error.js";
import type { ConnectionFlags } from "./commands.js";

export interface CheckFlags extends ConnectionFlags {
  format?: "text" | "json";
  preflight?: boolean;
}

/** Checks pipeline files; returns the exit code. */
export async function checkCommand(files: string[], flags: CheckFlags = {}): Promise<number> {
  const all: Diagnostic[] = [];
  const loaded: Pipeline[] = [];
  const failed = new Set<string>();
  for (const file of files) {
    const result = await loadPipeline(file);
    if (result.ok) {
      loaded.push(result.pipeline);
      all.push(...result.warnings);
    } else {
      failed.add(file);
      all.push(...result.diagnostics);
    }
  }
  if (flags.preflight && failed.size === 0) await preflight(loaded, flags);

  const errors = all.filter((d) => d.severity === "error").length;
  if (flags.format === "json") {
    process.stdout.write(`${JSON.stringify(all, null, 2)}\n`);
  } else {
    const color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
    if (all.length > 0) process.stdout.write(`${formatDiagnostics(all, { color })}\n\n`);
    const warnings = all.length - errors;
    const counts = [errors > 0 ? plural(errors, "error") : "", warnings > 0 ? plural(warnings, "warning") : ""].filter(
      Boolean,
    );
    process.stdout.write(
      errors === 0
        ? `${plural(files.length, "file")} checked: ok${warnings > 0 ? ` (${counts.join(", ")})` : ""}\n`
        : `${counts.join(", ")} in ${failed.size} of ${plural(files.length, "file")}\n`,
    );
  }
  return errors > 0 ? 2 : 0;
}

/**
 * `--preflight`: asks the server whether the namespace, Nexus endpoints and task queue pollers the
 * pipelines need exist. Hook for the preflight implementation (src/preflight/), not built yet.
 */
async function preflight(_pipelines: readonly Pipeline[], _flags: CheckFlags): Promise<void> {
  // TODO(preflight): import "../preflight/run-preflight.js" here and report its diagnostics.
  throw new UserError("nxrun check --preflight is not built yet", { hint: "run nxrun check without --preflight" });
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
