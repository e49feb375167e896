/**
 * Helpers for end-to-end tests: the stack the global setup started, running the real `nxrun` binary,
 * asking the server directly (through the Temporal SDK's own connection, independent of nxrun's
 * client), reading handler records, and waiting (bounded) for eventually consistent things.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Connection } from "@temporalio/client";
import { inject, vi } from "vitest";
import { REPO } from "../../../scripts/dev-server.js";
import { type HandlerRecord, readRecord } from "../../workers/record.js";
import type { TestStack } from "./stack.js";

export type { TestStack };

/** The server, endpoints and worker of this test run. */
export function stack(): TestStack {
  return inject("nxrun");
}

/** A unique, readable ID for one test's executions or records. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
}

/** Writes a pipeline file into a fresh temp folder; returns its path. */
export function writePipeline(yaml: string, name = "pipeline.yaml"): string {
  const dir = mkdtempSync(join(tmpdir(), "nxrun-e2e-"));
  const file = join(dir, name);
  writeFileSync(file, yaml);
  return file;
}

export interface NxrunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface NxrunOptions {
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** Called once the process is spawned (to send signals mid-run). */
  onSpawn?: (child: ChildProcess) => void;
  /** Server address; the stack's by default. */
  address?: string;
}

/** Runs `node bin/nxrun.js ...args` against the test server, with CI=true (plain output) unless overridden. */
export function runNxrun(args: string[], options: NxrunOptions = {}): Promise<NxrunResult> {
  const child = spawn(process.execPath, [join(REPO, "bin", "nxrun.js"), ...args], {
    cwd: REPO,
    env: {
      ...process.env,
      CI: "true",
      NO_COLOR: "1",
      TEMPORAL_ADDRESS: options.address ?? stack().address,
      TEMPORAL_NAMESPACE: stack().namespace,
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  options.onSpawn?.(child);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(
          `nxrun ${args.join(" ")} did not end within ${options.timeoutMs ?? 90_000} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`,
        ),
      );
    }, options.timeoutMs ?? 90_000);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      // Let the pipes drain.
      setImmediate(() => resolve({ code, signal, stdout, stderr }));
    });
  });
}

/** What the handlers recorded under `key`. */
export function handlerRecord(key: string): HandlerRecord[] {
  return readRecord(stack().recordsDir, key);
}

/**
 * Polls `check` until it returns a value that is not undefined/false, or fails after `timeoutMs`
 * naming `what` and the last error. The polling is vitest's own (`vi.waitFor`); this adds the name
 * and treats undefined/false as "not yet", and returns the value (which `expect.poll` does not).
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  { timeoutMs = 30_000, intervalMs = 250 } = {},
): Promise<T> {
  const notYet = new Error("not yet");
  try {
    return await vi.waitFor(
      async () => {
        const value = await check();
        if (value === undefined || value === false) throw notYet;
        return value;
      },
      { timeout: timeoutMs, interval: intervalMs },
    );
  } catch (error) {
    const last = error === notYet ? "" : `: ${String(error)}`;
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last}`, { cause: error });
  }
}

/**
 * The one fixed wait a test may hold: proof that something does NOT happen within `ms` (a stray
 * execution, a cancel request never sent), since an absence cannot be polled for. `check` asserts
 * the absence; it runs throughout, so what shows up early fails early.
 */
export async function expectNothingFor(ms: number, check: () => unknown, intervalMs = 250): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    await check();
    const left = end - Date.now();
    if (left <= 0) return;
    await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, left)));
  }
}

let connection: Promise<Connection> | undefined;
/** The Temporal SDK's own connection to the test server: for asserting on what the server says. */
export function serverConnection(): Promise<Connection> {
  connection ??= Connection.connect({ address: stack().address });
  return connection;
}

const STATUS: readonly string[] = [
  "UNSPECIFIED",
  "RUNNING",
  "COMPLETED",
  "FAILED",
  "CANCELED",
  "TERMINATED",
  "TIMED_OUT",
  "PAUSED",
];

/** The server's status of a standalone activity, e.g. "COMPLETED". */
export async function activityStatus(activityId: string): Promise<string> {
  const c = await serverConnection();
  const r = await c.workflowService.describeActivityExecution({ namespace: stack().namespace, activityId });
  return STATUS[r.info?.status ?? 0] ?? String(r.info?.status);
}

/** The server's status of a standalone Nexus operation, e.g. "CANCELED". */
export async function nexusStatus(operationId: string): Promise<string> {
  const c = await serverConnection();
  const r = await c.workflowService.describeNexusOperationExecution({ namespace: stack().namespace, operationId });
  return STATUS[r.info?.status ?? 0] ?? String(r.info?.status);
}

/** How many executions a visibility query counts now. */
export async function countExecutions(kind: "activity" | "nexus", query: string): Promise<number> {
  const c = await serverConnection();
  const r =
    kind === "activity"
      ? await c.workflowService.countActivityExecutions({ namespace: stack().namespace, query })
      : await c.workflowService.countNexusOperationExecutions({ namespace: stack().namespace, query });
  return Number(r.count ?? 0);
}

/** Counts executions by a visibility query, waiting (bounded) until the count equals `expected`. */
export async function waitForCount(
  kind: "activity" | "nexus",
  query: string,
  expected: number,
  timeoutMs = 30_000,
): Promise<number> {
  let last = -1;
  try {
    await waitFor(
      `${kind} count of "${query}" to reach ${expected}`,
      async () => {
        last = await countExecutions(kind, query);
        return last === expected;
      },
      { timeoutMs },
    );
  } catch (error) {
    // The count it last saw, which the message could not know when it was written.
    throw new Error(`${String((error as Error).message)} (last count ${last})`, { cause: error });
  }
  return last;
}
