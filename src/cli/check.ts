/**
 * `nxrun check file...`: every diagnostic of every file; exit 0 when no file has an error, 2 otherwise.
 * A test file (`*.test.yaml`) is checked as `nxrun test` loads it, with the pipeline it names.
 * Imports only the language layers (no gRPC, Ink or engine) so it starts fast.
 */

import { ExitCode } from "../base/exit-codes.js";
import { inGithubActions } from "../base/github-workflow-commands.js";
import { plural } from "../base/plural.js";
import type { Terminal } from "../base/terminal.js";
import { terminalSafeJson } from "../base/terminal-text.js";
import { newRunId } from "../engine/execution-ids.js";
import type { Diagnostic } from "../pipeline/diagnostic.js";
import { diagnosticAnnotations } from "../pipeline/diagnostic-annotations.js";
import { formatDiagnostics } from "../pipeline/format-diagnostics.js";
import { loadPipeline } from "../pipeline/load.js";
import type { Pipeline } from "../pipeline/model.js";
import { idLengthProblems } from "../runs/id-lengths.js";
import type { ConnectionOverrides } from "../temporal/connection-config.js";
import { TEST_FILE_SUFFIX } from "../testing/test-model.js";

export type CheckFormat = "text" | "json" | "github";

export interface CheckFlags extends ConnectionOverrides {
  /** Default: `github` under GitHub Actions (GITHUB_ACTIONS=true), `text` elsewhere. */
  format?: CheckFormat;
  preflight?: boolean;
  /** `-i key=value` and `--inputs`: what --preflight evaluates computed task queues and endpoints with. */
  input?: string[];
  inputs?: string;
  /** `--allow-outside`: uses: may read files outside each pipeline's directory. */
  allowOutside?: boolean;
}

/** Checks pipeline files; returns the exit code. */
export async function checkCommand(files: string[], flags: CheckFlags, terminal: Terminal): Promise<number> {
  const stdout = terminal.stdout.stream;
  const all: Diagnostic[] = [];
  const loaded: Pipeline[] = [];
  /** The path each of `loaded` was given as. */
  const loadedFrom: string[] = [];
  const failed = new Set<string>();
  for (const file of files) {
    if (TEST_FILE_SUFFIX.test(file)) {
      const { loadTestFile } = await import("../testing/load-test-file.js");
      const tested = await loadTestFile(file);
      if (!tested.ok) {
        failed.add(file);
        all.push(...tested.diagnostics);
      }
      continue;
    }
    const result = await loadPipeline(file, { allowOutside: flags.allowOutside === true });
    if (result.ok) {
      loaded.push(result.pipeline);
      loadedFrom.push(file);
      all.push(...result.warnings);
      // The execution IDs a run would build, with a run ID as nxrun generates it.
      const tooLong = idLengthProblems(result.pipeline, newRunId(result.pipeline.name), "generated");
      if (tooLong.length > 0) {
        failed.add(file);
        all.push(...tooLong);
      }
    } else {
      failed.add(file);
      all.push(...result.diagnostics);
    }
  }
  if (flags.preflight && failed.size === 0) {
    const problems = await preflight(loaded, flags);
    all.push(...problems);
    // A file the server found an error in counts as failed.
    loaded.forEach((pipeline, i) => {
      if (problems.some((d) => d.severity === "error" && d.file === pipeline.file)) failed.add(loadedFrom[i] as string);
    });
  }

  const errors = all.filter((d) => d.severity === "error").length;
  const format = flags.format ?? (inGithubActions(terminal.env) ? "github" : "text");
  if (format === "json") {
    stdout.write(`${terminalSafeJson(JSON.stringify(all, null, 2))}\n`);
  } else {
    // GitHub shows the annotations on the diff and the text in the job's log: both are printed.
    if (format === "github" && all.length > 0) stdout.write(`${diagnosticAnnotations(all, terminal.env).join("\n")}\n`);
    if (all.length > 0)
      stdout.write(`${formatDiagnostics(all, { color: terminal.stdout.color, width: terminal.stdout.width() })}\n\n`);
    const warnings = all.length - errors;
    const counts = [errors > 0 ? plural(errors, "error") : "", warnings > 0 ? plural(warnings, "warning") : ""].filter(
      Boolean,
    );
    stdout.write(
      errors === 0
        ? `${plural(files.length, "file")} checked: ok${warnings > 0 ? ` (${counts.join(", ")})` : ""}\n`
        : `${counts.join(", ")} in ${failed.size} of ${plural(files.length, "file")}\n`,
    );
  }
  return errors > 0 ? ExitCode.usage : ExitCode.ok;
}

/**
 * `--preflight`: asks the server whether the namespace, Nexus endpoints and task queue pollers the
 * pipelines need exist (src/preflight/). Problems come back as diagnostics (exit 2); a server that
 * cannot be reached or used throws a UserError with exit code 3.
 */
async function preflight(pipelines: readonly Pipeline[], flags: CheckFlags): Promise<Diagnostic[]> {
  const { runPreflight } = await import("../preflight/run-preflight.js");
  return runPreflight(pipelines, flags, {
    pairs: flags.input ?? [],
    file: flags.inputs,
  });
}
