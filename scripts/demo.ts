/**
 * The demo, after scripts/demo.mjs has installed and built: finds or installs the official Temporal CLI and
 * the Python venv, starts the server, creates the examples' Nexus endpoints, starts the TypeScript and
 * Python example workers, runs `nxrun examples/ops-runbook.yaml` (or the pipeline given as the first
 * argument) with the remaining arguments, and stops everything it started, by process id, when nxrun
 * ends or the demo is interrupted.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { createNexusEndpoint, freePort, READY_LINE, REPO, startDevArgs, uiArgs, uiPort } from "./dev-server.js";

/** Task queues and endpoints the examples use; each endpoint targets the task queue of the same name. */
export const EXAMPLE_STACK = {
  /** The TypeScript worker: every activity, BillingService, and ChangeService (TypeScript). */
  taskQueue: "nxrun-examples",
  endpoint: "nxrun-examples",
  /** The Python worker: ChangeService (Python), called by ops-runbook.yaml. */
  pythonTaskQueue: "nxrun-examples-py",
  pythonEndpoint: "nxrun-examples-py",
  /** Regions whose agents the TypeScript worker also runs, each on task queue nxrun-examples-<region> (regional-config.yaml). */
  regions: ["us-east-1", "eu-west-1"],
} as const;

const DEFAULT_PIPELINE = join("examples", "ops-runbook.yaml");
const KEEP = "--keep";
const say = (message: string) => process.stderr.write(`demo: ${message}\n`);

/** A process the demo started (in its own process group), with the tail of its output for when it fails. */
interface Started {
  name: string;
  child: ChildProcess;
  output(): string;
}

/** Runs the demo with the arguments after `npm run demo --`; resolves to the exit code. */
export async function runDemo(demoArgv: string[]): Promise<number> {
  // `--keep` is the demo's own: after nxrun ends, the server, the Web UI and the workers stay up
  // until Ctrl-C, so the run can be looked at in the UI (and run again against them).
  const keep = demoArgv.includes(KEEP);
  const argv = demoArgv.filter((arg) => arg !== KEEP);
  const pipeline = argv[0] && /\.ya?ml$/.test(argv[0]) ? argv[0] : DEFAULT_PIPELINE;
  const nxrunArgs = pipeline === argv[0] ? argv.slice(1) : argv;
  // Set while --keep holds everything up; a signal calls it to go on to the teardown.
  let release: (() => void) | undefined;
  // In start order (the server first); `startReady` adds each as soon as it is spawned, so teardown
  // also stops one that never became ready.
  const started: Started[] = [];
  let nxrun: ChildProcess | undefined;
  let interrupted = false;
  let lastSigint = 0;
  let tearingDown = false;
  const scratch = mkdtempSync(join(tmpdir(), "nxrun-demo-"));

  // The infrastructure runs in its own process groups, so a Ctrl-C in the terminal reaches nxrun (in the
  // foreground group with us) and not the server it needs to cancel its executions. We forward what the
  // terminal did not deliver itself: SIGTERM always, SIGINT when there is no terminal (a `kill -INT` of
  // this process, as a CI job or a test sends). npm forwards the terminal's SIGINT to us a second time
  // within milliseconds; that echo is ignored so it never counts as a second Ctrl-C.
  const onSignal = (signal: NodeJS.Signals) => {
    if (signal === "SIGINT") {
      const now = Date.now();
      if (now - lastSigint < 300) return;
      lastSigint = now;
    }
    interrupted = true;
    if (nxrun && nxrun.exitCode === null && nxrun.signalCode === null) {
      if (signal === "SIGTERM" || !process.stdin.isTTY) nxrun.kill(signal);
    } else if (release) {
      release();
    } else if (!tearingDown) {
      say(`${signal}: stopping what the demo started`);
    } else {
      // A second signal during teardown: do not wait any longer.
      for (const { child } of started) if (child.pid && child.exitCode === null) killGroup(child.pid, "SIGKILL");
    }
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  // Last resort if this process dies some other way: nothing it started outlives it.
  const onExit = () => {
    for (const { child } of started) if (child.pid && child.exitCode === null) killGroup(child.pid, "SIGKILL");
  };
  process.once("exit", onExit);

  try {
    const [server, python] = await Promise.all([
      scriptOutput("bash", [join(REPO, "scripts", "temporal-cli.sh")], "Temporal CLI"),
      scriptOutput("bash", [join(REPO, "scripts", "python-venv.sh")], "Python venv"),
    ]);
    if (interrupted) return 130;

    const port = await freePort();
    const address = `127.0.0.1:${port}`;
    const ui = await uiPort(true);
    const devServer = await startReady(
      "dev server",
      server,
      [...startDevArgs(port, {}), ...uiArgs(ui)],
      READY_LINE,
      90_000,
    );
    const uiUrl = `http://127.0.0.1:${ui}/`;
    say(`Temporal dev server on ${address} (pid ${devServer.child.pid}); Temporal Web UI: ${uiUrl}`);
    if (interrupted) return 130;

    await createNexusEndpoint(address, { name: EXAMPLE_STACK.endpoint, taskQueue: EXAMPLE_STACK.taskQueue });
    await createNexusEndpoint(address, {
      name: EXAMPLE_STACK.pythonEndpoint,
      taskQueue: EXAMPLE_STACK.pythonTaskQueue,
    });
    const common = ["--address", address, "--namespace", "default", "--task-queue"];
    const workers = await Promise.all([
      startReady(
        "TypeScript worker",
        process.execPath,
        [
          join(REPO, "dist", "examples", "workers", "main.js"),
          ...common,
          EXAMPLE_STACK.taskQueue,
          ...EXAMPLE_STACK.regions.flatMap((region) => ["--region", region]),
        ],
        /worker ready/,
        120_000,
      ),
      startReady(
        "Python worker",
        python,
        [join(REPO, "examples", "workers", "python", "worker.py"), ...common, EXAMPLE_STACK.pythonTaskQueue],
        /worker ready/,
        120_000,
      ),
    ]);
    say(
      `endpoints ${EXAMPLE_STACK.endpoint} and ${EXAMPLE_STACK.pythonEndpoint}; workers: TypeScript (pid ${workers[0].child.pid}), Python (pid ${workers[1].child.pid})`,
    );
    if (interrupted) return 130;

    // A user's own Temporal settings (env, profile file) must not redirect the demo to another server.
    const env: NodeJS.ProcessEnv = {};
    for (const [key, value] of Object.entries(process.env)) if (!key.startsWith("TEMPORAL_")) env[key] = value;
    const config = join(scratch, "temporal.toml");
    writeFileSync(config, `[profile.default]\naddress = "${address}"\nnamespace = "default"\n`);
    Object.assign(env, { TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: "default", TEMPORAL_CONFIG_FILE: config });
    // nxrun links each execution to its page in this UI (docs/connecting.md).
    if (uiUrl) env.TEMPORAL_UI_URL = uiUrl;

    say(`nxrun ${[relative(REPO, join(REPO, pipeline)) || pipeline, ...nxrunArgs].join(" ")}`);
    nxrun = spawn(process.execPath, [join(REPO, "bin", "nxrun.js"), pipeline, ...nxrunArgs], {
      cwd: REPO,
      env,
      stdio: "inherit",
    });
    const child = nxrun;
    const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once("exit", (code, signal) => resolve({ code, signal })),
    );
    for (const worker of workers) {
      if (worker.child.exitCode !== null)
        say(`the ${worker.name} had exited (${worker.child.exitCode}):\n${worker.output()}`);
    }
    if (keep) {
      // Also after an interrupted run: its cancelled and compensated executions are worth a look too.
      say(`--keep: the dev server, the Temporal Web UI and the workers stay up; Ctrl-C stops them`);
      say(`  Temporal Web UI: ${uiUrl}`);
      say(`  another run: TEMPORAL_ADDRESS=${address} TEMPORAL_UI_URL=${uiUrl} node bin/nxrun.js <pipeline>`);
      await new Promise<void>((resolve) => {
        release = resolve;
      });
    }
    return code ?? (signal === "SIGINT" ? 130 : 1);
  } catch (error) {
    say(error instanceof Error ? error.message : String(error));
    return interrupted ? 130 : 1;
  } finally {
    tearingDown = true;
    // Workers first (they drain their pollers), then the server they talk to.
    const [server, ...rest] = started;
    await Promise.all(rest.map(({ child }) => stopGroup(child)));
    if (server) await stopGroup(server.child);
    if (started.length > 0) say(`stopped ${started.map((s) => `${s.name} (pid ${s.child.pid})`).join(", ")}`);
    rmSync(scratch, { recursive: true, force: true });
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    process.off("exit", onExit);
  }

  /** Starts a process in its own group and resolves when its output matches `ready`. */
  async function startReady(
    name: string,
    command: string,
    args: string[],
    ready: RegExp,
    timeoutMs: number,
  ): Promise<Started> {
    const child = spawn(command, args, { cwd: REPO, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let output = "";
    const keep = (data: Buffer) => {
      output = (output + data.toString()).slice(-8000);
    };
    const entry: Started = { name, child, output: () => output };
    started.push(entry);
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the ${name} was not ready after ${timeoutMs / 1000}s:\n${output}`)),
        timeoutMs,
      );
      const check = () => {
        if (ready.test(output)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on("data", check);
      child.stderr?.on("data", check);
      child.once("error", (error) => {
        clearTimeout(timer);
        reject(new Error(`could not start the ${name} (${command}): ${error.message}`));
      });
      child.once("exit", (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`the ${name} exited (${code ?? signal}) before it was ready:\n${output}`));
      });
    });
    return entry;
  }
}

/** Runs a setup script that prints a path last on stdout; its progress (stderr) is shown as it comes. */
async function scriptOutput(command: string, args: string[], what: string): Promise<string> {
  const child = execFile(command, args, { maxBuffer: 16 * 1024 * 1024 });
  child.stderr?.on("data", (data: Buffer) => process.stderr.write(`demo: ${data.toString().trimEnd()}\n`));
  const { stdout } = await new Promise<{ stdout: string }>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (data: Buffer) => (out += data.toString()));
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0 ? resolve({ stdout: out }) : reject(new Error(`${what}: ${args[0]} failed (exit ${code})`)),
    );
  });
  const path = stdout.trim().split("\n").pop();
  if (!path) throw new Error(`${what}: ${args[0]} printed no path`);
  return path;
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** SIGTERM to the child's process group, then SIGKILL after 10 s; resolves when the child has exited. */
async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
  const pid = child.pid;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  killGroup(pid, "SIGTERM");
  const timer = setTimeout(() => killGroup(pid, "SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}
