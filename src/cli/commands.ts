/**
 * The command table: names, arguments and options. Each action imports its implementation lazily
 * (`src/cli/<command>.ts`), which returns the exit code.
 */

import { Argument, Command, InvalidArgumentError, Option } from "commander";
import { ExitCode } from "../base/exit-codes.js";
import { sanitizeTerminalText } from "../base/terminal-text.js";
import { STEP_FIELDS } from "../pipeline/step-fields.js";
import type { ConnectionOverrides } from "../temporal/connection-config.js";
import type { CliContext } from "./context.js";
import type { RunFlags } from "./flags.js";

const collect = (value: string, previous: string[] = []) => [...previous, value];
// A bad option value is a usage mistake: commander prints it with the option's name and nxrun exits 2.
const rate = (value: string) => {
  const n = value.trim() === "" ? Number.NaN : Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError("expected a number of calls per second, 0 or more.");
  return n;
};
const positiveInt = (value: string) => {
  const n = value.trim() === "" ? Number.NaN : Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError("expected a whole number, 1 or more.");
  return n;
};

function connectionOptions(command: Command): Command {
  return command
    .option("--address <host:port>", "Temporal frontend address (env TEMPORAL_ADDRESS)")
    .option("-n, --namespace <namespace>", "namespace (env TEMPORAL_NAMESPACE)")
    .option("--profile <name>", "profile from the Temporal config file (env TEMPORAL_PROFILE)")
    .option("--config-file <path>", "Temporal TOML config file (env TEMPORAL_CONFIG_FILE)")
    .option("--api-key <key>", "API key, sent as a bearer token; implies TLS (env TEMPORAL_API_KEY)")
    .option("--tls", "connect with TLS (env TEMPORAL_TLS)")
    .option("--tls-ca-path <path>", "CA certificate to verify the server with")
    .option("--tls-ca-data <pem>", "CA certificate, inline PEM")
    .option("--tls-cert-path <path>", "client certificate for mTLS")
    .option("--tls-cert-data <pem>", "client certificate, inline PEM")
    .option("--tls-key-path <path>", "client private key for mTLS")
    .option("--tls-key-data <pem>", "client private key, inline PEM")
    .option("--tls-server-name <name>", "server name to verify the certificate against")
    .option("--tls-disable-host-verification", "do not verify the server's host name")
    .option("--grpc-meta <key=value>", "extra gRPC metadata (repeatable)", collect)
    .option(
      "--codec-endpoint <url>",
      "remote codec server every payload passes; {namespace} is replaced (env TEMPORAL_CODEC_ENDPOINT)",
    )
    .option("--codec-auth <value>", "Authorization header for the codec server (env TEMPORAL_CODEC_AUTH)")
    .option("--codec-header <key=value>", "HTTP header for the codec server (repeatable)", collect);
}

/** The words nxrun takes as a command (help too), from the table below: anything else names a pipeline. */
export function commandNames(): ReadonlySet<string> {
  const table = new Command();
  // Registering reads nothing of the context; only the commands' actions do.
  registerCommands(table, () => {}, undefined as unknown as CliContext);
  return new Set(["help", ...table.commands.map((command) => command.name())]);
}

export function registerCommands(program: Command, setExit: (code: number) => void, cli: CliContext): void {
  const run = program
    .command("run", { isDefault: false })
    .description("run a pipeline (also: nxrun pipeline.yaml)")
    .argument("<pipeline>", "the pipeline file")
    .option("-i, --input <key=value>", "an input; value is parsed as JSON when it is valid JSON (repeatable)", collect)
    .option("--inputs <file>", "inputs from a JSON or YAML file")
    .option("--run-id <id>", "the run's ID (default: <name>-<utc time>-<random>)")
    .option(
      "--resume <id>",
      "resume a run with its own inputs: await what runs, reuse what completed, start only what is missing",
    )
    .option(
      "--from <step>",
      "with --resume: run this step and everything downstream again (repeatable; a step inside a uses step by its path, db.migrate)",
      collect,
    )
    .option("--allow-changed", "with --resume: go on although the pipeline changed since the run started")
    .option("--takeover", "with --resume: take over a run whose session another host left open")
    .option("-y, --yes", "approve every confirm step")
    .option("--dry-run", "print the plan with what can be resolved; start nothing")
    .option("--allow-outside", "let uses: read pipeline files outside this pipeline's directory")
    .option("--concurrency <n>", "most executions in flight at once (overrides the pipeline)", positiveInt)
    .option(
      "--describe-rate <n>",
      "describe calls per second for following executions in flight (attempts, failures, heartbeats); 0 = off (default 20)",
      rate,
    )
    .addOption(
      new Option("-o, --output <mode>", "tui on a terminal, plain otherwise").choices(["tui", "plain", "json"]),
    )
    .option("--report <file>", "write the run's record as JSON")
    .option("--junit <file>", "write a JUnit XML report")
    .option("--summary <file>", "write a Markdown summary (also appended to $GITHUB_STEP_SUMMARY when set)")
    .option("--no-compensate", "skip compensation after a failure or cancellation")
    .option(
      "--trace",
      "export the run as an OpenTelemetry trace over OTLP (OTEL_EXPORTER_OTLP_ENDPOINT; also on with OTEL_TRACES_EXPORTER=otlp)",
    )
    .option("--ui-url <url>", "the Temporal Web UI's address: link each execution to its page (env TEMPORAL_UI_URL)");
  connectionOptions(run).action(async (file: string, flags: RunFlags) => {
    setExit(await (await import("./run.js")).runCommand(file, flags, cli));
  });

  const check = program
    .command("check")
    .description("check pipelines without running them; exit 0 when clean, 2 otherwise")
    .argument("<pipelines...>", "pipeline files")
    .addOption(
      new Option("--format <format>", "output format (default: github under GitHub Actions, text otherwise)").choices([
        "text",
        "json",
        "github",
      ]),
    )
    .option("--preflight", "also ask the server: namespace, Nexus endpoints, task queue pollers")
    .option(
      "-i, --input <key=value>",
      "--preflight: an input computed task queues and endpoints use (repeatable)",
      collect,
    )
    .option("--inputs <file>", "--preflight: inputs from a JSON or YAML file")
    .option("--allow-outside", "let uses: read pipeline files outside this pipeline's directory");
  connectionOptions(check).action(
    async (
      files: string[],
      flags: ConnectionOverrides & {
        format?: "text" | "json" | "github";
        preflight?: boolean;
        input?: string[];
        inputs?: string;
        allowOutside?: boolean;
      },
    ) => {
      setExit(await (await import("./check.js")).checkCommand(files, flags, cli.terminal));
    },
  );

  program
    .command("test")
    .description(
      "run the cases of *.test.yaml files offline against mocks; exit 0 all passed, 1 a case failed, 2 a test file is malformed",
    )
    .argument("[paths...]", "test files, or directories to search for *.test.yaml (default: the current directory)")
    .addOption(new Option("-o, --output <mode>", "output format").choices(["text", "json"]).default("text"))
    .option("--junit <file>", "write a JUnit XML report (one test case per case)")
    .action(async (paths: string[], flags: import("./test.js").TestFlags) => {
      setExit(await (await import("./test.js")).testCommand(paths, flags, cli));
    });

  program
    .command("graph")
    .description("print a pipeline's plan as a graph")
    .argument("<pipeline>", "the pipeline file")
    .addOption(new Option("--format <format>", "graph format").choices(["mermaid", "dot"]).default("mermaid"))
    .option(
      "-i, --input <key=value>",
      "an input computed task queues and endpoints are shown with (repeatable)",
      collect,
    )
    .option("--inputs <file>", "inputs from a JSON or YAML file")
    .option("--allow-outside", "let uses: read pipeline files outside this pipeline's directory")
    .action(async (file: string, flags: import("./graph.js").GraphFlags) => {
      setExit(await (await import("./graph.js")).graphCommand(file, flags, cli.terminal));
    });

  program
    .command("eval")
    .description("evaluate a JSONata expression in the scope a step would see")
    .argument("<expression>", "the expression, with or without {% %}")
    .option("--pipeline <file>", "the pipeline whose scope to use")
    .option("--step <id>", "the step whose scope to use")
    .addOption(
      new Option("--in <field>", "the step's field the expression is written in (default: input)").choices(STEP_FIELDS),
    )
    .option("--data <file>", "mocked step outputs, inputs and vars (JSON or YAML)")
    .option("-i, --input <key=value>", "an input (repeatable)", collect)
    .option("--allow-outside", "let uses: read pipeline files outside this pipeline's directory")
    .action(async (expression: string, flags: import("./eval.js").EvalFlags) => {
      setExit(await (await import("./eval.js")).evalCommand(expression, flags, cli.terminal));
    });

  const status = program
    .command("status")
    .description("list a run's executions and their state")
    .argument("<run-id>", "the run's ID")
    .option("--outputs", "also show each completed step's output (as the run recorded it, secrets masked)")
    .addOption(new Option("-o, --output <mode>", "output format").choices(["text", "json"]).default("text"));
  connectionOptions(status).action(async (runId: string, flags: import("./status.js").StatusFlags) => {
    cli.interrupts.doing(`asking the server about run ${sanitizeTerminalText(runId)}`);
    setExit(await (await import("./status.js")).statusCommand(runId, flags, cli.terminal));
  });

  const watch = program
    .command("watch")
    .description("follow a run another process runs, read-only, until it ends; exit with the run's exit code")
    .argument("<run-id>", "the run's ID")
    .addOption(
      new Option("-o, --output <mode>", "tui on a terminal, plain otherwise").choices(["tui", "plain", "json"]),
    );
  connectionOptions(watch).action(async (runId: string, flags: import("./watch.js").WatchFlags) => {
    cli.interrupts.doing(`connecting to watch run ${sanitizeTerminalText(runId)}`, "the run itself goes on");
    setExit(await (await import("./watch.js")).watchCommand(runId, flags, cli.terminal, cli.interrupts));
  });

  const runs = program
    .command("runs")
    .description("list the recent runs (newest first) with state, start, who started them and duration")
    .option("--pipeline <name>", "only the runs of this pipeline")
    .option("--limit <n>", "at most this many runs (default 20)", positiveInt)
    .addOption(new Option("-o, --output <mode>", "output format").choices(["text", "json"]).default("text"));
  connectionOptions(runs).action(async (flags: import("./runs.js").RunsFlags) => {
    cli.interrupts.doing("asking the server for the recent runs");
    setExit(await (await import("./runs.js")).runsCommand(flags, cli.terminal));
  });

  const cancel = program
    .command("cancel")
    .description("request cancellation of every running execution of a run")
    .argument("<run-id>", "the run's ID")
    .option("--terminate", "terminate instead of requesting cancellation")
    .option("--reason <text>", "reason recorded on the server");
  connectionOptions(cancel).action(
    async (runId: string, flags: ConnectionOverrides & { terminate?: boolean; reason?: string }) => {
      const id = sanitizeTerminalText(runId);
      cli.interrupts.doing(
        `${flags.terminate ? "terminating" : "cancelling"} run ${id}`,
        `some of its executions may have been asked already: nxrun status ${id} shows which`,
      );
      setExit(await (await import("./cancel.js")).cancelCommand(runId, flags, cli.terminal));
    },
  );

  for (const name of ["list", "count"] as const) {
    const command = program
      .command(name)
      .description(name === "list" ? "list standalone executions (visibility query)" : "count standalone executions")
      .addOption(new Option("--kind <kind>", "activity or nexus").choices(["activity", "nexus"]).default("activity"))
      .option("-q, --query <query>", "Temporal visibility query")
      .addOption(new Option("-o, --output <mode>", "output format").choices(["text", "json"]).default("text"));
    if (name === "list") command.option("--limit <n>", "at most this many", positiveInt);
    else command.option("--group-by <field>", "group counts by a field, e.g. ExecutionStatus");
    connectionOptions(command).action(async (flags: ConnectionOverrides & Record<string, unknown>) => {
      cli.interrupts.doing(`asking the server to ${name} executions`);
      const mod = await import("./list-count.js");
      setExit(await (name === "list" ? mod.listCommand(flags, cli.terminal) : mod.countCommand(flags, cli.terminal)));
    });
  }

  program
    .command("completion")
    .description('print the shell completion script (bash: eval "$(nxrun completion bash)")')
    .addArgument(new Argument("<shell>", "the shell").choices(["bash", "zsh", "fish"]))
    .action(async (shell: "bash" | "zsh" | "fish") => {
      cli.terminal.stdout.stream.write((await import("./completion/scripts.js")).completionScript(shell));
      setExit(ExitCode.ok);
    });
}
