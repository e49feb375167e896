/**
 * Reporter wiring: picks the output mode and fans every engine event out to the chosen reporters
 * (one of tui | plain | json on stdout, plus optional run.json and JUnit files).
 */
import type { ConfirmRequest, ExecutionRef, Reporter } from "../engine/events.js";
import { createJsonReporter } from "./json.js";
import { createJunitWriter } from "./junit.js";
import { createPlainReporter } from "./plain.js";
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
  summary?: Omit<SummaryWriterOptions, "secrets">;
  /** Declared secret values; never printed or written. */
  secrets: string[];
  stdout?: NodeJS.WriteStream;
  /** Overrides colour detection (TTY and NO_COLOR). */
  color?: boolean;
  header: { address: string; namespace: string };
  /** The Temporal Web UI, when its address is known: each execution is linked to its page. */
  links?: UiLinks;
  /** Whether the terminal shows OSC 8 hyperlinks (the Ink view links execution IDs to their pages). */
  hyperlinks?: boolean;
}

/** `tui` only when asked for (or by default) on a TTY outside CI; otherwise `plain` unless `json` was asked for. */
export function chooseOutput(options: {
  requested?: OutputMode;
  isTTY: boolean;
  env: Readonly<Record<string, string | undefined>>;
}): OutputMode {
  const interactive = options.isTTY && !isCi(options.env);
  if (options.requested === "json" || options.requested === "plain") return options.requested;
  return interactive ? "tui" : "plain";
}

/** CI services set CI (to "true", "1", ...); "false" and "0" mean not CI, as in vitest's std-env. */
function isCi(env: Readonly<Record<string, string | undefined>>): boolean {
  const ci = env.CI;
  return ci !== undefined && ci !== "" && ci !== "false" && ci !== "0";
}

/** NO_COLOR (https://no-color.org): present and not empty disables colour. */
export function colorEnabled(stream: { isTTY?: boolean }, env: Readonly<Record<string, string | undefined>>): boolean {
  const noColor = env.NO_COLOR;
  return stream.isTTY === true && (noColor === undefined || noColor === "");
}

/** Builds the reporters the options ask for and returns one Reporter that calls each in turn. */
export function createReporters(options: ReporterOptions): Reporter {
  const stdout = options.stdout ?? process.stdout;
  const color = options.color ?? colorEnabled(stdout, process.env);
  const reporters: Reporter[] = [];
  switch (options.output) {
    case "json":
      reporters.push(createJsonReporter({ stream: stdout, secrets: options.secrets, links: options.links }));
      break;
    case "plain":
      reporters.push(createPlainReporter({ stream: stdout, color, secrets: options.secrets, links: options.links }));
      break;
    case "tui":
      reporters.push(
        createTuiReporter({
          stdout,
          secrets: options.secrets,
          header: options.header,
          links: options.links,
          hyperlinks: options.hyperlinks === true,
        }),
      );
      break;
    default: {
      const unknown: never = options.output;
      throw new Error(`unknown output mode ${String(unknown)}`);
    }
  }
  if (options.report !== undefined) {
    reporters.push(createRunReportWriter({ path: options.report, secrets: options.secrets, links: options.links }));
  }
  if (options.junit !== undefined) {
    reporters.push(createJunitWriter({ path: options.junit, secrets: options.secrets, links: options.links }));
  }
  const summary = options.summary;
  if (summary && (summary.file !== undefined || summary.stepSummary !== undefined || summary.annotations)) {
    const links = options.links;
    reporters.push(
      createSummaryWriter({
        ...summary,
        secrets: options.secrets,
        ...(links ? { executionUrl: (ref: ExecutionRef) => executionUiUrl(links, ref) } : {}),
      }),
    );
  }
  return fanOut(reporters);
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
