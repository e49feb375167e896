/**
 * `nxrun watch RUN_ID`: follows a run that another process runs, in the same view as `nxrun run`
 * (or --output plain|json), read-only, until it ends; exits with the code the run itself exited with.
 * Ctrl-C stops watching (exit 130) and never cancels the run.
 */
import { ExitCode } from "../base/exit-codes.js";
import type { Terminal } from "../base/terminal.js";
import { sanitizeTerminalText } from "../base/terminal-text.js";
import { UserError } from "../base/user-error.js";
import { STOPPED_TEXT } from "../engine/events.js";
import { connectShowingText } from "../runs/connect-for-runs.js";
import { declaredSecrets } from "../runs/declared-secrets.js";
import { readManifest } from "../runs/manifest/store.js";
import { checkRunIdSearchable, findRunExecutions } from "../runs/run-executions.js";
import { unknownRunError } from "../runs/unknown-run.js";
import type { ConnectionOverrides } from "../temporal/connection-config.js";
import type { Interrupts } from "./interrupts.js";

export interface WatchFlags extends ConnectionOverrides {
  output?: "tui" | "plain" | "json";
}

export async function watchCommand(
  runId: string,
  flags: WatchFlags,
  terminal: Terminal,
  interrupts: Interrupts,
): Promise<number> {
  checkRunIdSearchable(runId);
  const { client, connectionSecrets } = await connectShowingText(flags);
  try {
    const read = await readManifest(client, runId);
    if (!read.found) {
      if ((await findRunExecutions(client, runId)).length === 0) throw unknownRunError(client, runId);
      throw new UserError(`run ${runId} has no manifest, so nxrun cannot follow it as a whole`, {
        hint: `it was started by an nxrun that kept none; nxrun status ${runId} lists its executions`,
      });
    }
    if (!read.manifest) {
      throw new UserError(`the manifest of run ${runId} cannot be read: ${read.problem ?? "unknown format"}`, {
        hint: "watch it with the nxrun version that started it",
      });
    }
    const { chooseOutput, createReporters } = await import("../report/index.js");
    const output = chooseOutput(flags.output, terminal);
    // The outputs record was masked by the run's own process (src/runs/manifest/records.ts); worker
    // text read from the server is masked here with the values this environment holds.
    const secrets = declaredSecrets(read.manifest, terminal.env);
    if (secrets.warning) terminal.stderr.stream.write(`note: ${secrets.warning}\n`);
    const masked = [...secrets.values, ...connectionSecrets];
    // Replayed events print at the time the run wrote them (follow-run.ts sets it for each).
    const clock: { ms?: number } = {};
    const reporter = createReporters({
      output,
      secrets: masked,
      terminal,
      header: { address: client.address, namespace: client.namespace },
      watching: true,
      now: () => clock.ms ?? Date.now(),
    });
    const stop = new AbortController();
    const release = await interrupts.takeOver(() => stop.abort());
    const { followRun } = await import("../runs/follow-run.js");
    let result: Awaited<ReturnType<typeof followRun>>;
    try {
      result = await followRun(client, read.manifest, reporter, stop.signal, { clock, secrets: masked });
    } finally {
      // The view's last frame first: what follows is written below it, not drawn over.
      await reporter.close?.();
      release();
    }
    if (result.state === undefined) {
      terminal.stderr.stream.write(`stopped watching run ${runId}; the run itself goes on (nxrun status ${runId})\n`);
      return ExitCode.interrupted;
    }
    if (result.outputsOmittedBytes !== undefined) {
      terminal.stderr.stream.write(
        `the run's outputs (${result.outputsOmittedBytes} bytes as JSON) are too large to be kept for watch; the run's own output and report have them\n`,
      );
    }
    if (result.state === "stopped") {
      const { resumeCommand } = await import("../runs/run-state.js");
      terminal.stderr.stream.write(
        `run ${runId} ${STOPPED_TEXT}; resume it with: ${sanitizeTerminalText(resumeCommand(result.manifest, flags))}\n`,
      );
    }
    return result.exitCode ?? ExitCode.runFailed;
  } finally {
    client.close();
  }
}
