/**
 * Ctrl-C and SIGTERM before a run proper starts (src/cli/interrupts.ts): while nxrun connects to a
 * server that never answers, and while the pipeline's vars evaluate, a real signal sent to the child
 * ends it at once with one line saying what it was doing and exit 130, a runEnd event under -o json
 * and a --report with the error; `status` waiting on the server ends the same way.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunRecord } from "../../../src/engine/events.js";
import { type NxrunResult, runNxrun, waitFor, writePipeline } from "../../support/e2e/harness.js";
import { output } from "../../support/e2e/run-helpers.js";

/** A server that accepts and never answers: the gRPC handshake waits until nxrun's connect timeout. */
let silent: Server;
let address: string;
const sockets: Socket[] = [];
beforeAll(async () => {
  silent = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  const a = silent.address();
  address = `127.0.0.1:${typeof a === "object" && a ? a.port : 0}`;
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => silent.close(resolve));
});

const pipeline = (vars = "") =>
  writePipeline(`
nxrun: 1
name: interrupted-setup
defaults: { taskQueue: q, timeouts: { startToClose: 1m } }
${vars}
steps:
  - id: only
    activity: echo
    input: { n: 1 }
`);

/** CPU time the process has used, ms (Linux: utime + stime of /proc/PID/stat, in 100 Hz ticks). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8")
    .replace(/^.*\) /, "")
    .split(" ");
  // After "pid (comm) ", utime and stime are the 12th and 13th fields.
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Runs nxrun, sends `signal` once `ready` holds, and says how long nxrun took to end after it. */
async function interrupt(
  args: string[],
  ready: (child: ChildProcess) => boolean,
  signal: NodeJS.Signals = "SIGINT",
): Promise<{ result: NxrunResult; afterSignalMs: number }> {
  let child: ChildProcess | undefined;
  const running = runNxrun(args, { address, onSpawn: (c) => (child = c), timeoutMs: 60_000 });
  await waitFor("nxrun to get where it is to be interrupted", () => child !== undefined && ready(child), {
    timeoutMs: 30_000,
    intervalMs: 20,
  });
  const sentAt = Date.now();
  child?.kill(signal);
  const result = await running;
  return { result, afterSignalMs: Date.now() - sentAt };
}

describe("a signal before the run proper starts", () => {
  it.each(["SIGINT", "SIGTERM"] as const)(
    "%s while connecting: one line, exit 130, a runEnd event and a report with the error",
    async (signal) => {
      const before = sockets.length;
      const report = join(mkdtempSync(join(tmpdir(), "nxrun-int-")), "run.json");
      const { result, afterSignalMs } = await interrupt(
        ["run", pipeline(), "--run-id", `int-${signal}`, "-o", "json", "--report", report],
        () => sockets.length > before,
        signal,
      );
      expect(result.code, output(result)).toBe(130);
      expect(result.signal).toBeNull();
      expect(afterSignalMs).toBeLessThan(1000);
      expect(result.stderr).toBe(`nxrun: interrupted while connecting to ${address}; nothing was started\n`);
      const events = result.stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as { event: string; record?: RunRecord });
      expect(events.map((e) => e.event)).toEqual(["runEnd"]);
      const error = { message: `interrupted while connecting to ${address}`, type: "Interrupted" };
      const expected = { runId: `int-${signal}`, status: "canceled", address, steps: [], error };
      expect(events[0]?.record).toMatchObject(expected);
      const record = JSON.parse(readFileSync(report, "utf8")) as RunRecord;
      expect(record).toMatchObject(expected);
    },
  );

  it("Ctrl-C while the vars evaluate (slow, bounded expressions) ends nxrun within a second", async () => {
    const vars = Array.from({ length: 150 }, (_, i) => `  v${i}: "{% $sum([1..1000000]) + ${i} %}"`);
    const before = sockets.length;
    const { result, afterSignalMs } = await interrupt(
      ["run", pipeline(`vars:\n${vars.join("\n")}`), "-o", "plain"],
      // Past loading (well under a second of CPU) and into the vars, which take seconds.
      (child) => child.pid !== undefined && cpuMs(child.pid) > 1500,
    );
    expect(result.code, output(result)).toBe(130);
    expect(afterSignalMs).toBeLessThan(1000);
    expect(result.stderr).toMatch(/^nxrun: interrupted while checking \S+ and its inputs; nothing was started\n$/);
    // It never got as far as connecting.
    expect(sockets.length).toBe(before);
  });

  it("status waiting on the server: one line and exit 130", async () => {
    const before = sockets.length;
    const { result, afterSignalMs } = await interrupt(["status", "some-run"], () => sockets.length > before);
    expect(result.code, output(result)).toBe(130);
    expect(afterSignalMs).toBeLessThan(1000);
    expect(result.stderr).toBe("nxrun: interrupted while asking the server about run some-run\n");
    expect(result.stdout).toBe("");
  });
});
