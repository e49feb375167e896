/**
 * `nxrun run file` (and bare `nxrun file`): load and check, resolve inputs and secrets, dry-run or
 * connect and run, with SIGINT/SIGTERM wired to the cancellation contract. Returns the exit code:
 * 0 success, 1 run failed, 2 usage/pipeline/inputs, 3 server, 130 interrupted.
 */

import { ExitCode } from "../base/exit-codes.js";
import type { Terminal } from "../base/terminal.js";
import { sanitizeTerminalLines, sanitizeTerminalText, terminalSafeJson } from "../base/terminal-text.js";
import { isUserError, OutputError, UserError } from "../base/user-error.js";
import { NXRUN_VERSION } from "../base/version.js";
import type { Reporter, RunRecord } from "../engine/events.js";
import { newRunId } from "../engine/execution-ids.js";
import { exitCodeOf } from "../engine/exit-code.js";
import { readSecrets, readUsedSecrets } from "../engine/secrets.js";
import { formatDiagnostics } from "../pipeline/format-diagnostics.js";
import { loadPipeline } from "../pipeline/load.js";
import type { Pipeline } from "../pipeline/model.js";
import type { CliContext } from "./context.js";
import type { RunFlags } from "./flags.js";
import { WRITE_GRACE_MS } from "./interrupts.js";
import { printError } from "./print-error.js";
import { traceSwitch } from "./trace-switch.js";

/** How long a second Ctrl-C may spend sending terminate requests before the process exits anyway. */
const TERMINATE_GRACE_MS = 5_000;

export async function runCommand(file: string, flags: RunFlags, cli: CliContext): Promise<number> {
  const { terminal, interrupts } = cli;
  const stderr = terminal.stderr.stream;
  const color = terminal.stderr.color;
  const width = terminal.stderr.width();
  interrupts.doing(`loading ${sanitizeTerminalText(file)}`, "nothing was started");
  const loaded = await loadPipeline(file, { allowOutside: flags.allowOutside === true });
  if (!loaded.ok) {
    stderr.write(`${formatDiagnostics(loaded.diagnostics, { color, width })}\n`);
    return ExitCode.usage;
  }
  if (loaded.warnings.length > 0) stderr.write(`${formatDiagnostics(loaded.warnings, { color, width })}\n`);
  const pipeline = loaded.pipeline;
  interrupts.doing(`checking ${sanitizeTerminalText(file)} and its inputs`, "nothing was started");

  const { missingInput, resolveInputs } = await import("../pipeline/inputs/resolve.js");
  // A run ID may name an earlier run, whose manifest holds the inputs not given now (run-session.ts).
  const mayResume = (flags.resume !== undefined || flags.runId !== undefined) && !flags.dryRun;
  const resolved = await resolveInputs(pipeline, {
    pairs: flags.input ?? [],
    file: flags.inputs,
    allowMissing: mayResume,
  });
  if (!resolved.ok) {
    stderr.write(`${formatDiagnostics(resolved.diagnostics, { color, width })}\n`);
    return ExitCode.usage;
  }
  let inputs = resolved.values;
  const secrets = readSecrets(pipeline, terminal.env);
  const usedSecrets = readUsedSecrets(pipeline, terminal.env);
  const secretValues = [...Object.values(secrets), ...[...usedSecrets.values()].flatMap((s) => Object.values(s))];
  // From here on any error main prints has these masked (src/cli/print-error.ts).
  cli.secrets.push(...secretValues);

  if (flags.runId !== undefined && flags.resume !== undefined && flags.runId !== flags.resume) {
    throw new UserError(`--run-id ${flags.runId} and --resume ${flags.resume} name different runs`, {
      hint: "--resume ID is the same as --run-id ID; give one of them",
    });
  }
  const runId = flags.resume ?? flags.runId ?? newRunId(pipeline.name);
  const { idLengthProblems } = await import("../runs/id-lengths.js");
  const tooLong = idLengthProblems(
    pipeline,
    runId,
    runId === flags.resume || runId === flags.runId ? "flag" : "generated",
  );
  if (tooLong.length > 0) {
    stderr.write(`${formatDiagnostics(tooLong, { color, width })}\n`);
    return ExitCode.usage;
  }
  const startedAt = new Date().toISOString();
  // Where the run was to go, once known: the record of a run that never started names it.
  const where = { address: "", namespace: "" };
  /** A run that ended before its start: its runEnd event (-o json) and its --report, with `error`. */
  const reportNotStarted = async (status: "failed" | "canceled", error: { message: string; type: string }) => {
    const { chooseOutput, reportRunNotStarted } = await import("../report/index.js");
    await reportRunNotStarted(
      {
        output: chooseOutput(flags.output, terminal),
        report: flags.report,
        secrets: secretValues,
        terminal,
      },
      {
        runId,
        pipeline: pipeline.name,
        file: pipeline.file,
        ...where,
        status,
        startedAt,
        closedAt: new Date().toISOString(),
        inputs,
        steps: [],
        error,
      },
    ).catch((unwrittenReport: unknown) => printError(unwrittenReport, secretValues, stderr));
  };
  if (!flags.dryRun)
    interrupts.onInterrupt((message) => reportNotStarted("canceled", { message, type: "Interrupted" }));

  // Every value the inputs and vars decide, checked before anything starts (a dry run shows them).
  const { chooseOutput } = await import("../report/index.js");
  const { canAskConfirm } = await import("../report/confirm-keyboard.js");
  const { beforeRun } = await import("../pipeline/before-run-check.js");
  const before = await beforeRun(pipeline, {
    runId,
    inputs,
    // A resume may take inputs not given now from the manifest: until then they are unknown, not absent.
    inputsFinal: resolved.missing.length === 0,
    secrets,
    usedSecrets,
    // A dry run's -o json is the plan's format, not the run's output: the run is judged as on this terminal.
    confirmAnswered:
      flags.yes === true ||
      canAskConfirm(
        chooseOutput(flags.dryRun && flags.output === "json" ? undefined : flags.output, terminal),
        terminal.stdin,
      ),
    confirmCaller: "cli",
  });
  const { maskSecrets } = await import("../base/mask-secrets.js");
  const printProblems = () =>
    stderr.write(`${maskSecrets(formatDiagnostics(before.problems, { color, width }), secretValues)}\n`);

  if (flags.dryRun) {
    const shown = await dryRun(
      pipeline,
      runId,
      inputs,
      secrets,
      secretValues,
      flags,
      before.known,
      terminal.stdout.stream,
    );
    if (before.problems.length === 0) return shown;
    printProblems();
    return ExitCode.usage;
  }
  if (before.problems.length > 0) {
    printProblems();
    return ExitCode.usage;
  }

  const { codecSecrets, resolveConnection } = await import("../temporal/connection-config.js");
  const { connect } = await import("../temporal/connect.js");
  const connection = await resolveConnection(flags, pipeline.temporal);
  where.address = connection.address;
  where.namespace = connection.namespace;
  // The codec server's auth and header values are masked like the pipeline's secrets, everywhere.
  const codecValues = codecSecrets(connection);
  secretValues.push(...codecValues);
  cli.secrets.push(...codecValues);
  interrupts.doing(`connecting to ${sanitizeTerminalText(connection.address)}`, "nothing was started");
  let client: import("../temporal/types.js").TemporalClient;
  try {
    client = await connect(connection);
  } catch (error) {
    // The connection error is the one the command ends with; a report that cannot be written is said first.
    if (isUserError(error)) await reportNotStarted("failed", { message: error.message, type: error.name });
    throw error;
  }
  try {
    // The inputs known before the run, held to the server's payload limit now that it is known.
    if (!client.encodesPayloads) {
      const { payloadProblems } = await import("../pipeline/known-payloads.js");
      const manifest = flags.resume === undefined ? { inputs, file: pipeline.file } : undefined;
      const oversize = payloadProblems(before.payloads, await client.serverLimits(), manifest);
      if (oversize.length > 0) {
        stderr.write(`${formatDiagnostics(oversize, { color, width })}\n`);
        return ExitCode.usage;
      }
    }
    interrupts.doing(`preparing run ${runId} on ${sanitizeTerminalText(client.address)}`, "no step was started");
    const { MissingInputsError, prepareSession } = await import("../runs/run-session.js");
    const prepared = await prepareSession(client, pipeline, {
      runId,
      resume: flags.resume !== undefined,
      inputs,
      given: resolved.given,
      missing: resolved.missing,
      ...(flags.compensate === false ? { compensate: false } : {}),
      concurrency: flags.concurrency,
      from: flags.from ?? [],
      allowChanged: flags.allowChanged === true,
      takeover: flags.takeover === true,
      journal: true,
    }).catch((error: unknown) => {
      if (!(error instanceof MissingInputsError)) throw error;
      const diagnostics = error.names.map((name) => missingInput(pipeline, name));
      stderr.write(`${formatDiagnostics(diagnostics, { color, width })}\n`);
      return undefined;
    });
    if (prepared === undefined) return ExitCode.usage;
    // Notes quote the stored manifest and the server's errors: sanitized like all outside text.
    for (const note of prepared.notes) stderr.write(`note: ${sanitizeTerminalLines(note)}\n`);
    if ("complete" in prepared) {
      const when = prepared.closedAt === undefined ? "" : ` at ${prepared.closedAt.toISOString()}`;
      terminal.stdout.stream.write(
        `run ${runId} is complete (it ended completed${when}); nothing to start\n` +
          `  its steps and outputs: nxrun status ${runId}; to run steps again: nxrun run ${file} --resume ${runId} --from STEP\n`,
      );
      return ExitCode.ok;
    }
    inputs = prepared.inputs;
    const { createReporters, fanOut } = await import("../report/index.js");
    const { resolveUiLinks } = await import("../report/ui-links.js");
    const output = chooseOutput(flags.output, terminal);
    const ui = resolveUiLinks(
      { flag: flags.uiUrl, env: terminal.env.TEMPORAL_UI_URL, pipeline: pipeline.temporal.uiUrl },
      client.namespace,
    );
    // A UI address that is not a URL costs the links, never the run.
    if (ui.warning) stderr.write(`nxrun: warning: ${sanitizeTerminalText(ui.warning)}\n`);
    const reporters = createReporters({
      output,
      report: flags.report,
      junit: flags.junit,
      summary: (await import("./summary-options.js")).summaryOptions(pipeline, flags, output, terminal),
      secrets: secretValues,
      terminal,
      header: { address: client.address, namespace: client.namespace },
      ...(ui.links ? { links: ui.links } : {}),
      ...(prepared.journal ? { journal: prepared.journal } : {}),
    });
    // A Ctrl-C while the spans are flushed stops the wait for the collector (runWithSignals).
    const stopFlush = new AbortController();
    const tracing = await startTracing(flags, pipeline, secretValues, terminal, {
      holdWarnings: output === "tui",
      stop: stopFlush.signal,
    });
    const views = fanOut([reporters, prepared.recorder]);
    const reporter: Reporter =
      tracing === undefined
        ? views
        : {
            ...fanOut([views, tracing.reporter]),
            // The spans are flushed once the view is gone: its warnings are printed then, below it.
            async close() {
              try {
                await views.close?.();
              } finally {
                await tracing.reporter.close?.();
              }
            },
          };
    let end: {
      status: "completed" | "failed" | "canceled" | "timedOut";
      exitCode: number;
      outputs?: Record<string, unknown>;
    } = {
      status: "failed",
      exitCode: ExitCode.bug,
    };
    try {
      const outcome = await runWithSignals(
        pipeline,
        runId,
        inputs,
        { secrets, usedSecrets },
        flags,
        client,
        reporter,
        prepared,
        cli,
        { startHeaders: tracing?.startHeaders, stopFlush },
      );
      end = outcome;
      return outcome.exitCode;
    } catch (error) {
      end = { status: "failed", exitCode: isUserError(error) ? error.exitCode : ExitCode.bug };
      throw error;
    } finally {
      // Masked here, by the one process that has the secret values: the record is read by other terminals.
      const outputs =
        end.outputs === undefined ? undefined : (await import("../report/redact.js")).redact(end.outputs, secretValues);
      await prepared.session.close(end, outputs).catch(() => {
        // The run's own outcome matters more than its record; status reads an unclosed session as stopped.
      });
    }
  } finally {
    client.close();
  }
}

async function runWithSignals(
  pipeline: Pipeline,
  runId: string,
  inputs: Record<string, unknown>,
  { secrets, usedSecrets }: { secrets: Record<string, string>; usedSecrets: Map<string, Record<string, string>> },
  flags: RunFlags,
  client: import("../temporal/types.js").TemporalClient,
  reporter: Reporter,
  prepared: import("../runs/run-session.js").PreparedSession,
  { interrupts, terminal }: CliContext,
  tracing: { startHeaders: import("../engine/run-options.js").StartHeaders | undefined; stopFlush: AbortController },
): Promise<{
  status: "completed" | "failed" | "canceled" | "timedOut";
  exitCode: number;
  outputs?: Record<string, unknown>;
}> {
  const [{ runPipeline }, { fanOut }, { createRunCollector }] = await Promise.all([
    import("../engine/run-pipeline.js"),
    import("../report/index.js"),
    import("../report/run-collector.js"),
  ]);
  // The run as far as its events went, for a forced exit that comes before the engine's runEnd.
  const collector = createRunCollector();
  const interrupt = new AbortController();
  const terminate = new AbortController();
  const { startHeaders, stopFlush } = tracing;
  let signals = 0;
  let forceExit: NodeJS.Timeout | undefined;
  let closing = false;
  // Closed once, whether the run ends or a forced exit comes first.
  let closed: Promise<OutputError | undefined> | undefined;
  const close = () => (closed ??= closeReporters(reporter));
  const onSignal = () => {
    // The run has ended: a signal now cuts short the one wait left that is not the user's, the collector's.
    if (closing) stopFlush.abort();
    signals++;
    if (signals === 1) {
      interrupt.abort();
      return;
    }
    if (signals === 2) {
      terminate.abort();
      // The engine resolves once the terminate requests are answered; never hang on a dead server.
      forceExit = setTimeout(() => {
        // Exiting with the requests unanswered must not read as done: what was awaited may still run.
        const id = sanitizeTerminalText(runId);
        const exit = () => {
          terminal.stderr.stream.write(
            `nxrun: the server did not answer the terminate requests in ${TERMINATE_GRACE_MS / 1000} s: what the run was waiting on may still be running; see it with nxrun status ${id} and stop it with nxrun cancel ${id}\n`,
          );
          process.exit(ExitCode.interrupted);
        };
        // What an interrupted run owes (its runEnd event, --report, the view's last frame) first, bounded:
        // the journal and the spans would wait on the same unanswering network.
        stopFlush.abort();
        const record = collector.record();
        if (record) reporter.onRunEnd?.(record);
        setTimeout(exit, WRITE_GRACE_MS).unref();
        void close().finally(exit);
      }, TERMINATE_GRACE_MS);
      forceExit.unref();
    }
  };
  const release = await interrupts.takeOver(onSignal);
  let record: RunRecord | undefined;
  let unwritten: OutputError | undefined;
  try {
    record = await runPipeline(pipeline, {
      client,
      inputs,
      secrets,
      usedSecrets,
      reporter: fanOut([reporter, collector.reporter]),
      signal: interrupt.signal,
      terminateSignal: terminate.signal,
      runId,
      resume: prepared.resumed,
      yes: flags.yes === true,
      confirmCaller: "cli",
      compensate: prepared.compensate,
      concurrency: prepared.concurrency,
      attempts: prepared.attempts,
      readBack: prepared.readBack,
      vars: prepared.vars,
      keepVars: prepared.keepVars,
      beforeCompensation: prepared.beforeCompensation,
      earlierUndo: prepared.earlierUndo,
      describeRate: flags.describeRate,
      startHeaders,
    });
  } finally {
    closing = true;
    unwritten = await close();
    release();
    interrupts.doing(`closing run ${runId}`, "its steps have ended; nxrun status shows them");
    if (forceExit) clearTimeout(forceExit);
  }
  const exitCode = exitCodeOf(record, signals > 0, signals > 1);
  // A file the user asked for is missing. A run that completed ends with the code of its own (4);
  // a failed or interrupted one keeps its code, which matters more, and the missing file is said too.
  if (unwritten) {
    if (exitCode === ExitCode.ok) throw unwritten;
    const values = [...Object.values(secrets), ...[...usedSecrets.values()].flatMap((s) => Object.values(s))];
    printError(unwritten, values, terminal.stderr.stream);
  }
  const status = record.status === "running" || record.status === "stopped" ? "failed" : record.status;
  return { status, exitCode, ...(record.outputs === undefined ? {} : { outputs: record.outputs }) };
}

/**
 * The run's tracer when tracing is on (src/cli/trace-switch.ts), its events masked like every
 * reporter's; the OpenTelemetry SDK is imported only then. Its warnings go to stderr.
 */
async function startTracing(
  flags: RunFlags,
  pipeline: Pipeline,
  secretValues: readonly string[],
  { stderr, env }: Terminal,
  options: { holdWarnings: boolean; stop: AbortSignal },
): Promise<{ reporter: Reporter; startHeaders: import("../engine/run-options.js").StartHeaders } | undefined> {
  const print = (message: string) => stderr.stream.write(`nxrun: warning: ${sanitizeTerminalText(message)}\n`);
  // Text written while the Ink view is live would cross it (and be erased by its next frame).
  const held: string[] = [];
  let holding = options.holdWarnings;
  const warn = (message: string) => (holding ? held.push(message) : print(message));
  const wanted = traceSwitch(flags.trace, env);
  if (wanted.warning) print(wanted.warning);
  if (!wanted.on) return undefined;
  const [{ startRunTracing }, { redactEvents }] = await Promise.all([
    import("../trace/otlp.js"),
    import("../report/redact.js"),
  ]);
  const tracer = startRunTracing({
    pipeline,
    version: NXRUN_VERSION,
    warn,
    parent: { traceparent: env.TRACEPARENT, tracestate: env.TRACESTATE },
    stop: options.stop,
  });
  const reporter = redactEvents(tracer.reporter, secretValues);
  return {
    // Closed after the view (runCommand): what was held is printed, then the flush may warn directly.
    reporter: {
      ...reporter,
      async close() {
        holding = false;
        for (const message of held.splice(0)) print(message);
        await reporter.close?.();
      },
    },
    startHeaders: tracer.startHeaders,
  };
}

/** Closes the reporters; a file that could not be written is returned (the caller decides the code), anything else thrown. */
async function closeReporters(reporter: Reporter): Promise<OutputError | undefined> {
  try {
    await reporter.close?.();
    return undefined;
  } catch (error) {
    if (error instanceof OutputError) return error;
    throw error;
  }
}

async function dryRun(
  pipeline: Pipeline,
  runId: string,
  inputs: Record<string, unknown>,
  secrets: Record<string, string>,
  secretValues: readonly string[],
  flags: RunFlags,
  known: import("../pipeline/before-run.js").KnownScope,
  stdout: NodeJS.WritableStream,
): Promise<number> {
  const { dryRunPlan } = await import("../engine/dry-run.js");
  const { evaluate } = await import("../pipeline/expr/evaluate.js");
  const { redact } = await import("../report/redact.js");
  const { maskSecrets } = await import("../base/mask-secrets.js");
  const plan = redact(
    await dryRunPlan(pipeline, {
      runId,
      inputs,
      secrets,
      evaluate,
      known,
      concurrency: flags.concurrency,
    }),
    [...secretValues],
  );
  // For programs: the plan as one JSON document (JSON escapes what a terminal must not get raw).
  if (flags.output === "json") {
    stdout.write(`${terminalSafeJson(JSON.stringify(plan, null, 2))}\n`);
    return ExitCode.ok;
  }
  const json = (value: unknown) => JSON.stringify(value);
  const lines: string[] = [];
  lines.push(`dry run of ${plan.pipeline} (run ID ${plan.runId}); nothing is started`);
  lines.push(`inputs: ${json(plan.inputs)}`);
  if (Object.keys(plan.vars).length > 0) lines.push(`vars: ${json(plan.vars)}`);
  lines.push(`concurrency: ${plan.concurrency}${plan.timeout === undefined ? "" : `, timeout: ${plan.timeout} ms`}`);
  // A uses step's own steps are listed under it, one level deeper.
  const printSteps = (steps: typeof plan.steps, indent: string): void => {
    let section = "";
    for (const step of steps) {
      if (step.section !== section) {
        section = step.section;
        lines.push(`${indent.slice(2)}${section}:`);
      }
      const after = step.dependsOn.length > 0 ? ` after ${step.dependsOn.join(", ")}` : "";
      lines.push(`${indent}${step.id}: ${step.call}${after}`);
      if (step.call !== "confirm") lines.push(`${indent}  execution ID: ${step.executionId}`);
      if (step.when !== undefined) lines.push(`${indent}  when: ${json(step.when)}`);
      if (step.forEach !== undefined) lines.push(`${indent}  forEach: ${json(step.forEach)}`);
      if (step.repeat !== undefined) lines.push(`${indent}  repeat: ${step.repeat}`);
      if (step.input !== undefined)
        lines.push(
          `${indent}  ${step.call === "confirm" ? "prompt" : step.call.startsWith("uses ") ? "with" : "input"}: ${json(step.input)}`,
        );
      for (const [name, value] of Object.entries(step.settings ?? {})) lines.push(`${indent}  ${name}: ${json(value)}`);
      if (step.call !== "confirm")
        lines.push(`${indent}  cancellation: ${step.cancellation}, onError: ${step.onError}`);
      if (step.compensate) {
        lines.push(`${indent}  compensate: ${step.compensate.call} as ${step.compensate.executionId}`);
        if (step.compensate.input !== undefined) lines.push(`${indent}    input: ${json(step.compensate.input)}`);
        for (const [name, value] of Object.entries(step.compensate.settings ?? {}))
          lines.push(`${indent}    ${name}: ${json(value)}`);
      }
      if (step.steps) printSteps(step.steps, `${indent}    `);
    }
  };
  printSteps(plan.steps, "  ");
  // Names, prompts and values come from the pipeline and -i: each line is masked, then made terminal-safe.
  stdout.write(`${lines.map((line) => sanitizeTerminalText(maskSecrets(line, secretValues))).join("\n")}\n`);
  return ExitCode.ok;
}
