/**
 * Reporter wiring: picks the output mode and fans every engine event out to the chosen reporters
 * (one of tui | plain | json on stdout, plus optional run.json and JUnit files).
 */
import type { Terminal } from "../base/terminal.js";
import type { ConfirmRequest, ExecutionRef, Reporter, RunRecord } from "../engine/events.js";
import { createJournalReporter, createJsonReporter, type JournalStream } from "./json.js";
import { createJunitWriter } from "./junit.js";
import { createPlainReporter } from "./plain.js";
import { redactEvents } from "./redact.js";
import { createRunReportWriter } from "./run-report.js";
import { createSummaryWriter, type SummaryWriterOptions } from "./summary-writer.js";
import { createTuiReporter } from "./tui/reporter.js";
import { executionUiUrl, type UiLinks } from "./ui-links.js";

export type OutputMode = "tui" | "plain" | "json";

export interface ReporterOptions {
  output: OutputMode;
  /** Path of the run.json report to write in close(). */
  report?: string;
  /** Path of the JUnit XML file to write in close(). */
  junit?: string;
  /** The Markdown summary (`--summary FILE`, `$GITHUB_STEP_SUMMARY`) and GitHub annotations of failed steps. */
  summary?: SummaryWriterOptions;
  /** Declared secret values: masked in every event before any reporter sees it (redactEvents). */
  secrets: string[];
  /** Where the output goes and what it may use (colour, width): src/base/terminal.ts. */
  terminal: Terminal;
  header: { address: string; namespace: string };
  /** `nxrun watch`: the view follows a run another process runs, so Ctrl-C only stops watching. */
  watching?: boolean;
  /** The Temporal Web UI, when its address is known: each execution is linked to its page. */
  links?: UiLinks;
  /** The run's journal (src/runs/manifest/journal.ts): gets the NDJSON lines, masked, that watch replays. */
  journal?: JournalStream;
  /** The clock of the NDJSON and plain lines: `nxrun watch` replays each event at the time the run wrote it. */
  now?: () => number;
}

/**
 * `tui` when asked for or by default, if a person watches stdout (a TTY outside CI: terminal.interactive);
 * otherwise `plain` unless `json` was asked for.
 */
export function chooseOutput(requested: OutputMode | undefined, terminal: Pick<Terminal, "interactive">): OutputMode {
  if (requested === "json" || requested === "plain") return requested;
  return terminal.interactive ? "tui" : "plain";
}

/**
 * Builds the reporters the options ask for and returns one Reporter that masks the secrets in each
 * event once and calls each reporter in turn: no reporter is given the secrets, so none can forget them.
 */
export function createReporters(options: ReporterOptions): Reporter {
  const { terminal } = options;
  const stdout = terminal.stdout.stream;
  const reporters: Reporter[] = [];
  // One time per event for every reporter that prints one, so the run's lines and its journal's
  // (which watch replays) agree to the millisecond.
  let eventTime: number | undefined;
  const clock = { now: options.now ?? (() => eventTime ?? Date.now()) };
  switch (options.output) {
    case "json":
      reporters.push(createJsonReporter({ stream: stdout, links: options.links, ...clock }));
      break;
    case "plain":
      reporters.push(
        createPlainReporter({ stream: stdout, color: terminal.stdout.color, links: options.links, ...clock }),
      );
      break;
    case "tui":
      reporters.push(
        createTuiReporter({ terminal, header: options.header, links: options.links, watching: options.watching }),
      );
      break;
    default: {
      const unknown: never = options.output;
      throw new Error(`unknown output mode ${String(unknown)}`);
    }
  }
  if (options.report !== undefined) {
    reporters.push(createRunReportWriter({ path: options.report, links: options.links }));
  }
  if (options.junit !== undefined) {
    reporters.push(createJunitWriter({ path: options.junit, links: options.links }));
  }
  if (options.journal !== undefined) {
    reporters.push(createJournalReporter({ stream: options.journal, links: options.links, ...clock }));
  }
  const summary = options.summary;
  if (summary && (summary.file !== undefined || summary.stepSummary !== undefined || summary.annotations)) {
    const links = options.links;
    reporters.push(
      createSummaryWriter({
        ...summary,
        ...(links ? { executionUrl: (ref: ExecutionRef) => executionUiUrl(links, ref) } : {}),
      }),
    );
  }
  const fanned = fanOut(reporters);
  return redactEvents(
    options.now === undefined
      ? stamped(fanned, (ms) => {
          eventTime = ms;
        })
      : fanned,
    options.secrets,
  );
}

/** `reporter`, with `stamp` told the time just before each event is handed on. */
function stamped(reporter: Reporter, stamp: (ms: number | undefined) => void): Reporter {
  const out: Reporter = {};
  for (const key of Object.keys(reporter) as Array<keyof Reporter>) {
    const hook = reporter[key] as ((event?: unknown) => unknown) | undefined;
    if (typeof hook !== "function") continue;
    (out as Record<string, unknown>)[key] =
      key === "close" || key === "onConfirm"
        ? hook.bind(reporter)
        : (event: unknown) => {
            stamp(Date.now());
            try {
              return hook.call(reporter, event);
            } finally {
              stamp(undefined);
            }
          };
  }
  return out;
}

/**
 * A run that never started (the server could not be reached) still ends the NDJSON stream with its
 * `runEnd` and writes its --report, with the error, so a program reading either learns what went
 * wrong: one record, no steps run. The other outputs have the error message on stderr.
 */
export async function reportRunNotStarted(
  options: Pick<ReporterOptions, "output" | "report" | "secrets" | "terminal">,
  record: RunRecord,
): Promise<void> {
  const reporters: Reporter[] = [];
  if (options.output === "json") reporters.push(createJsonReporter({ stream: options.terminal.stdout.stream }));
  if (options.report !== undefined) reporters.push(createRunReportWriter({ path: options.report }));
  if (reporters.length === 0) return;
  const reporter = redactEvents(fanOut(reporters), options.secrets);
  reporter.onRunEnd?.(record);
  await reporter.close?.();
}

type EventHook = Exclude<keyof Reporter, "onConfirm" | "close">;

/** One Reporter calling each of `reporters` in order; a confirm goes to the first that can ask a person. */
export function fanOut(reporters: readonly Reporter[]): Reporter {
  const each =
    <K extends EventHook>(hook: K) =>
    (event: Parameters<NonNullable<Reporter[K]>>[0]): void => {
      for (const reporter of reporters) {
        (reporter[hook] as ((event: unknown) => void) | undefined)?.call(reporter, event);
      }
    };
  return {
    onRunStart: each("onRunStart"),
    onStepStart: each("onStepStart"),
    onStepUpdate: each("onStepUpdate"),
    onStepEnd: each("onStepEnd"),
    onItemStart: each("onItemStart"),
    onItemEnd: each("onItemEnd"),
    onProgress: each("onProgress"),
    onConnection: each("onConnection"),
    onCancelling: each("onCancelling"),
    onTerminating: each("onTerminating"),
    onConfirm(request: ConfirmRequest): boolean {
      for (const reporter of reporters) if (reporter.onConfirm?.(request) === true) return true;
      return false;
    },
    onRunEnd: each("onRunEnd"),
    async close() {
      // Every reporter gets to flush even when one fails; the first failure is then rethrown.
      const results = await Promise.allSettled(reporters.map(async (r) => r.close?.()));
      const failed = results.find((result): result is PromiseRejectedResult => result.status === "rejected");
      if (failed) throw failed.reason;
    },
  };
}
