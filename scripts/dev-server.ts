/**
 * Starts and stops the Temporal dev server of the official `temporal` CLI (found or installed by
 * scripts/temporal-cli.sh), creates Nexus endpoints, and starts worker processes. Used by the test global setup, the demo and the benchmarks.
 * Every process started here is stopped by its process id: by `stop()`, and as a last resort when this
 * process exits.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

/** The repository root, found upward from this file (it runs from scripts/ under vitest, and from dist/scripts/). */
const REPO = findRepoRoot(dirname(fileURLToPath(import.meta.url)));

function findRepoRoot(from: string): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, "utf8")) as { name?: string }).name === "nxrun") return dir;
  }
  throw new Error(`no nxrun package.json above ${from}`);
}
const started = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of started) if (child.exitCode === null && child.pid) safeKill(child.pid, "SIGKILL");
});

function safeKill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

/** The `temporal` CLI's path, installing the pinned release first when none is at hand (seconds, once). */
export async function temporalCli(): Promise<string> {
  const { stdout, stderr } = await promisify(execFile)("bash", [join(REPO, "scripts", "temporal-cli.sh")], {
    maxBuffer: 64 * 1024 * 1024,
  });
  // Which CLI is used and why, once per process (scripts/temporal-cli.sh says it on stderr).
  if (!cliNoted) process.stderr.write(stderr);
  cliNoted = true;
  return stdout.trim().split("\n").pop() ?? "";
}
let cliNoted = false;

/**
 * `temporal server start-dev` as a user starts it, on loopback. The one setting nxrun needs: standalone
 * Nexus operations are off by default before CLI 1.10 (standalone activities are on since Server 1.32).
 */
export function startDevArgs(
  port: number,
  options: Pick<DevServerOptions, "dbFile" | "dynamicConfig" | "namespaces" | "searchAttributes">,
): string[] {
  const args = ["server", "start-dev", "--ip", "127.0.0.1", "--port", String(port)];
  // Warnings and info go nowhere anyone reads; errors still reach the output kept for a dying server.
  args.push("--log-level", "error");
  // Only a test that restarts the server needs state on disk.
  if (options.dbFile) args.push("--db-filename", options.dbFile);
  for (const ns of options.namespaces ?? []) args.push("--namespace", ns);
  for (const [name, type] of Object.entries(options.searchAttributes ?? {})) {
    args.push("--search-attribute", `${name}=${type}`);
  }
  const dynamic = { "nexusoperation.enableStandalone": true, ...options.dynamicConfig };
  for (const [key, value] of Object.entries(dynamic)) {
    args.push("--dynamic-config-value", `${key}=${JSON.stringify(value)}`);
  }
  return args;
}

/** start-dev prints its metrics address last, once the server has started and its namespaces exist. */
export const READY_LINE = /Temporal Metrics:/;

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

export interface DevServerOptions {
  port?: number;
  /** Persist to this SQLite file (so a restart keeps state); in memory when absent. */
  dbFile?: string;
  dynamicConfig?: Record<string, unknown>;
  /** Extra namespaces besides `default`. */
  namespaces?: string[];
  /** Custom search attributes to register, name → server type (`Keyword`, `Int`, `KeywordList`...). */
  searchAttributes?: Record<string, string>;
  /**
   * Serve the Temporal Web UI beside the server: `true` on a free port, or on the port given. Off by
   * default (`--headless`): only tests of the UI, and the demo, need it.
   */
  ui?: boolean | { port: number };
}

export interface DevServer {
  readonly address: string;
  readonly port: number;
  readonly pid: number;
  /** The Web UI's address (`http://127.0.0.1:PORT/`) when it is served. */
  readonly uiUrl?: string;
  /** Stops the server (SIGTERM, then SIGKILL after 10 s). */
  stop(): Promise<void>;
  /** Stops and starts it again on the same port (with a dbFile, state survives). */
  restart(options?: { downMs?: number }): Promise<void>;
}

/** Starts the dev server and resolves once its frontend answers. */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const binary = await temporalCli();
  const port = options.port ?? (await freePort());
  const ui = await uiPort(options.ui);
  const args = [...startDevArgs(port, options), ...uiArgs(ui)];
  let child = await spawnUntilReady(binary, args, READY_LINE, 90_000);
  const uiUrl = ui === undefined ? undefined : `http://127.0.0.1:${ui}/`;
  const server: DevServer = {
    address: `127.0.0.1:${port}`,
    port,
    uiUrl,
    get pid() {
      return child.pid ?? -1;
    },
    stop: () => stopProcess(child),
    async restart({ downMs = 0 } = {}) {
      await stopProcess(child);
      if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
      child = await spawnUntilReady(binary, args, READY_LINE, 90_000);
    },
  };
  return server;
}

/** The Web UI's port for `DevServerOptions.ui`: none, a free one, or the one given. */
export async function uiPort(ui: DevServerOptions["ui"]): Promise<number | undefined> {
  if (!ui) return undefined;
  return ui === true ? await freePort() : ui.port;
}

/** The UI flags: `--headless` where nothing looks at the UI (start-dev serves it by default). */
export function uiArgs(port: number | undefined): string[] {
  return port === undefined ? ["--headless"] : ["--ui-port", String(port)];
}

/** Spawns a process and resolves when its stdout matches `ready`; rejects with its output if it exits first. */
export async function spawnUntilReady(
  command: string,
  args: string[],
  ready: RegExp,
  timeoutMs: number,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ChildProcess> {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], env });
  started.add(child);
  child.once("exit", () => started.delete(child));
  let output = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stopProcess(child);
      reject(new Error(`${command} was not ready after ${timeoutMs} ms:\n${output.slice(-4000)}`));
    }, timeoutMs);
    const onData = (data: Buffer) => {
      output += data.toString();
      if (ready.test(output)) {
        clearTimeout(timer);
        child.stdout?.off("data", onData);
        // Keep draining so a chatty child never blocks on a full pipe, keeping only a tail: if the
        // child dies on its own later, the tail is what says why (a dead server otherwise shows
        // only as clients retrying).
        output = output.slice(-8000);
        child.stdout?.on("data", (more: Buffer) => {
          output = (output + more.toString()).slice(-8000);
        });
        child.stderr?.on("data", (more: Buffer) => {
          output = (output + more.toString()).slice(-8000);
        });
        child.once("exit", (code, signal) => {
          if (stopping.has(child)) return;
          process.stderr.write(
            `\n${command} (pid ${child.pid}) exited on its own (${code ?? signal}); its last output:\n${output.slice(-4000)}\n`,
          );
        });
        resolve(child);
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (data: Buffer) => {
      output += data.toString();
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited (${code ?? signal}) before it was ready:\n${output.slice(-4000)}`));
    });
  });
}

/** Children being stopped on purpose: their exit is expected, not news. */
const stopping = new WeakSet<ChildProcess>();

/** Stops a child by its pid: SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
export async function stopProcess(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  stopping.add(child);
  safeKill(child.pid, "SIGTERM");
  const timer = setTimeout(() => child.pid && safeKill(child.pid, "SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Creates (or replaces) a Nexus endpoint that targets a task queue in a namespace. */
export async function createNexusEndpoint(
  address: string,
  endpoint: { name: string; namespace?: string; taskQueue: string },
): Promise<void> {
  const { Connection } = await import("@temporalio/client");
  const connection = await Connection.connect({ address });
  try {
    const spec = {
      name: endpoint.name,
      target: { worker: { namespace: endpoint.namespace ?? "default", taskQueue: endpoint.taskQueue } },
    };
    try {
      await connection.operatorService.createNexusEndpoint({ spec });
    } catch (error) {
      // ALREADY_EXISTS (a reused SQLite file): replace it so the target is what was asked.
      if ((error as { code?: number }).code !== 6) throw error;
      const list = await connection.operatorService.listNexusEndpoints({ name: endpoint.name });
      const existing = list.endpoints?.[0];
      if (existing?.id) {
        await connection.operatorService.updateNexusEndpoint({ id: existing.id, version: existing.version, spec });
      }
    }
  } finally {
    await connection.close();
  }
}

export interface WorkerProcess {
  readonly pid: number;
  readonly taskQueue: string;
  stop(): Promise<void>;
  /** SIGKILL, to test a worker dying mid-activity. */
  kill(): void;
}

/** Starts a worker process (a compiled script under dist/) and resolves when it polls. */
export async function startWorker(options: {
  script: string;
  address: string;
  taskQueue: string;
  namespace?: string;
  env?: NodeJS.ProcessEnv;
  extraArgs?: string[];
}): Promise<WorkerProcess> {
  const args = [
    options.script,
    "--address",
    options.address,
    "--task-queue",
    options.taskQueue,
    "--namespace",
    options.namespace ?? "default",
    ...(options.extraArgs ?? []),
  ];
  const child = await spawnUntilReady(process.execPath, args, /worker ready/, 120_000, {
    ...process.env,
    ...options.env,
  });
  return {
    pid: child.pid ?? -1,
    taskQueue: options.taskQueue,
    stop: () => stopProcess(child),
    kill: () => {
      stopping.add(child);
      if (child.pid) safeKill(child.pid, "SIGKILL");
    },
  };
}

export { REPO };
