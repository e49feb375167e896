/**
 * A MEASURING TOOL, not a test and not a stand-in for the server in any test: it runs nxrun's real
 * engine (runPipeline, as src/cli/run.ts calls it) with the plain reporter on a forEach of N no-op
 * activities (or Nexus operations) against an in-process client whose every call answers at once
 * (start after a setImmediate, the outcome after a short timer, so items overlap as at concurrency
 * 200), and prints the CPU and the allocation per item of what nxrun does above the client layer.
 * On a shared machine with a real server 0.1 ms per item is lost in the noise; here it is not.
 * Following on and off, and a bare Promise pool over the same client (the floor), run interleaved.
 *
 *   node dist/bench/engine-cpu.js [--n 2000] [--concurrency 200] [--kind activity|nexus]
 *        [--reps 5] [--delay-ms 2] [--modes on,off,pool]
 *   node --cpu-prof --cpu-prof-dir DIR dist/bench/engine-cpu.js --modes on --reps 3
 *   node dist/bench/engine-cpu.js --modes on --reps 3 --alloc-top 30   # bytes allocated per item, by function
 */
import { mkdtempSync, rmSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PerformanceObserver } from "node:perf_hooks";
import { Writable } from "node:stream";
import { parseArgs } from "node:util";
import { GCProfiler, getHeapStatistics } from "node:v8";
import { detectTerminal } from "../src/base/terminal.js";
import { runPipeline } from "../src/engine/run-pipeline.js";
import { loadPipeline } from "../src/pipeline/load.js";
import { createReporters } from "../src/report/index.js";
import { DEFAULT_SERVER_LIMITS } from "../src/temporal/server-limits.js";
import type {
  ExecutionClient,
  ExecutionDescription,
  ExecutionKind,
  Outcome,
  Started,
  TemporalClient,
} from "../src/temporal/types.js";
import { runPool } from "./peers/pool.js";
import { fanOutPipeline, nexusFanOutPipeline } from "./pipelines.js";

const { values } = parseArgs({
  options: {
    n: { type: "string", default: "2000" },
    concurrency: { type: "string", default: "200" },
    kind: { type: "string", default: "activity" },
    reps: { type: "string", default: "5" },
    "delay-ms": { type: "string", default: "2" },
    modes: { type: "string", default: "on,off,pool" },
    "alloc-top": { type: "string" },
  },
});
const n = Number(values.n);
const concurrency = Number(values.concurrency);
const kind = values.kind === "nexus" ? "nexus" : "activity";
const reps = Number(values.reps);
const delayMs = Number(values["delay-ms"]);
const modes = String(values.modes).split(",") as Array<"on" | "off" | "pool">;

/** Calls made on the instant client, so a run that describes (following) shows it. */
const calls = { start: 0, awaitOutcome: 0, describe: 0, pollerCount: 0 };

function instantExecutions<S>(executionKind: ExecutionKind): ExecutionClient<S> {
  return {
    kind: executionKind,
    start: () =>
      new Promise<Started>((resolve) => {
        calls.start++;
        setImmediate(() => resolve({ runId: "r", started: true }));
      }),
    awaitOutcome: () =>
      new Promise<Outcome>((resolve) => {
        calls.awaitOutcome++;
        setTimeout(() => resolve({ status: "completed", result: null }), delayMs);
      }),
    describe: async (id: string): Promise<ExecutionDescription> => {
      calls.describe++;
      return { kind: executionKind, id, runId: "r", status: "completed", type: "noop" };
    },
    requestCancel: async () => {},
    terminate: async () => {},
    list: () => {
      throw new Error("engine-cpu: list is not used by a run");
    },
    count: () => {
      throw new Error("engine-cpu: count is not used by a run");
    },
  };
}

const client: TemporalClient = {
  address: "in-process",
  namespace: "default",
  activities: instantExecutions("activity"),
  nexus: instantExecutions("nexus"),
  pollerCount: async () => {
    calls.pollerCount++;
    return 1;
  },
  serverLimits: async () => DEFAULT_SERVER_LIMITS,
  encodesPayloads: false,
  onConnectionChange: () => () => {},
  close: () => {},
};

const sink = new Writable({
  write(_chunk, _encoding, callback) {
    callback();
  },
});
let bytesOut = 0;
const countingSink = Object.assign(sink, {
  write(chunk: string) {
    bytesOut += chunk.length;
    return true;
  },
}) as unknown as NodeJS.WriteStream;
const terminal = detectTerminal({ stdout: countingSink, stderr: process.stderr, stdin: process.stdin, env: {} });

const dir = mkdtempSync(join(tmpdir(), "nxrun-engine-cpu-"));
const file = kind === "nexus" ? nexusFanOutPipeline(dir, concurrency) : fanOutPipeline(dir, concurrency);
const loaded = await loadPipeline(file);
rmSync(dir, { recursive: true, force: true });
if (!loaded.ok) throw new Error(`engine-cpu: the bench pipeline did not load: ${JSON.stringify(loaded.diagnostics)}`);
const pipeline = loaded.pipeline;

let gcCount = 0;
let gcMs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    gcCount++;
    gcMs += entry.duration;
  }
}).observe({ entryTypes: ["gc"] });

async function once(mode: "on" | "off" | "pool"): Promise<void> {
  if (mode === "pool") {
    const executions = kind === "nexus" ? client.nexus : client.activities;
    await runPool(n, concurrency, async (index) => {
      const started = await executions.start({ id: `p-${index}` } as never);
      await executions.awaitOutcome(`p-${index}`, started.runId);
    });
    return;
  }
  const reporter = createReporters({
    output: "plain",
    secrets: [],
    terminal,
    header: { address: client.address, namespace: client.namespace },
  });
  const record = await runPipeline(pipeline, {
    client,
    inputs: { n },
    reporter,
    concurrency,
    describeRate: mode === "on" ? 20 : 0,
  });
  await reporter.close?.();
  if (record.status !== "completed") throw new Error(`engine-cpu: the run ended ${record.status}`);
}

interface Sample {
  cpuUs: number;
  wallMs: number;
  gcCount: number;
  gcMs: number;
  allocatedBytes: number;
}

/**
 * Bytes allocated during the run: the used heap's growth between collections, summed (v8.GCProfiler
 * gives the used size before and after each one), plus the growth since the last.
 */
async function measure(mode: "on" | "off" | "pool"): Promise<Sample> {
  const gcBefore = gcCount;
  const gcMsBefore = gcMs;
  const profiler = new GCProfiler();
  const usedAtStart = getHeapStatistics().used_heap_size;
  profiler.start();
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  await once(mode);
  const wallMs = performance.now() - t0;
  const used = process.cpuUsage(cpu);
  const usedAtEnd = getHeapStatistics().used_heap_size;
  const gcs = profiler.stop()?.statistics ?? [];
  let allocatedBytes = 0;
  let last = usedAtStart;
  for (const gc of gcs) {
    allocatedBytes += gc.beforeGC.heapStatistics.usedHeapSize - last;
    last = gc.afterGC.heapStatistics.usedHeapSize;
  }
  allocatedBytes += usedAtEnd - last;
  // Let the GC observer's entries of this run arrive before reading them.
  await new Promise((resolve) => setImmediate(resolve));
  return {
    cpuUs: used.user + used.system,
    wallMs,
    gcCount: gcCount - gcBefore,
    gcMs: gcMs - gcMsBefore,
    allocatedBytes,
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};

process.stderr.write(
  `engine-cpu: ${n} ${kind} items, concurrency ${concurrency}, outcome after ${delayMs} ms, ${reps} interleaved reps of ${modes.join(", ")}\n`,
);
// One warm-up of each mode: the first run compiles (and the JIT learns) what the later ones reuse.
for (const mode of modes) await once(mode);
const samples = new Map<string, Sample[]>(modes.map((m) => [m, []]));
for (let r = 0; r < reps; r++) {
  for (const mode of modes) {
    (globalThis as { gc?: () => void }).gc?.();
    samples.get(mode)?.push(await measure(mode));
  }
}
for (const mode of modes) {
  const s = samples.get(mode) ?? [];
  const perItem = s.map((x) => x.cpuUs / n);
  process.stderr.write(
    `${mode.padEnd(4)} CPU/item min ${Math.min(...perItem).toFixed(1)} median ${median(perItem).toFixed(1)} µs [${perItem.map((x) => x.toFixed(0)).join(" ")}]` +
      `  wall median ${median(s.map((x) => x.wallMs)).toFixed(0)} ms` +
      `  GCs/run ${median(s.map((x) => x.gcCount))} (${median(s.map((x) => x.gcMs)).toFixed(1)} ms)` +
      `  allocated/item ${(median(s.map((x) => x.allocatedBytes)) / n).toFixed(0)} B\n`,
  );
}
if (values["alloc-top"] !== undefined) await allocationProfile(Number(values["alloc-top"]));

/**
 * One more run of the first mode under V8's sampling heap profiler, counting objects the GC has
 * already collected too (what a run allocates, not what it keeps), summed by allocating function.
 */
async function allocationProfile(top: number): Promise<void> {
  interface Node {
    callFrame: { functionName: string; url: string; lineNumber: number };
    selfSize: number;
    children: Node[];
  }
  const session = new Session();
  session.connect();
  await session.post("HeapProfiler.startSampling", {
    samplingInterval: 512,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  await once(modes[0] ?? "on");
  const { profile } = (await session.post("HeapProfiler.stopSampling")) as { profile: { head: Node } };
  session.disconnect();
  const bytes = new Map<string, number>();
  const walk = (node: Node) => {
    const frame = node.callFrame;
    const where = `${frame.functionName || "(anonymous)"} ${frame.url.replace(/^.*\/(dist|node_modules)\//, "$1/")}:${frame.lineNumber + 1}`;
    bytes.set(where, (bytes.get(where) ?? 0) + node.selfSize);
    for (const child of node.children) walk(child);
  };
  walk(profile.head);
  const total = [...bytes.values()].reduce((a, b) => a + b, 0);
  process.stderr.write(`allocated (sampled) in one ${modes[0]} run: ${(total / n).toFixed(0)} B/item, by function:\n`);
  for (const [where, size] of [...bytes].sort((a, b) => b[1] - a[1]).slice(0, top))
    process.stderr.write(`${(size / n).toFixed(0).padStart(7)} B/item  ${where}\n`);
}

process.stderr.write(
  `calls: ${JSON.stringify(calls)}; plain output ${bytesOut} chars; run with --expose-gc for a GC before each rep\n`,
);
