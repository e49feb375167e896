/**
 * `npm run bench` (through scripts/bench.mjs): starts a dev server and worker of its own, runs the
 * selected cases (each against its peers, on the same server), and writes bench/RESULTS.md.
 *
 *   node dist/bench/main.js [--quick] [--only B2,B5] [--runs N] [--out file] [--no-hyperfine]
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { REPO } from "../scripts/dev-server.js";
import { benchSequential } from "./cases/b1-sequential.js";
import { benchMemory } from "./cases/b4-memory.js";
import { benchStartup } from "./cases/b5-startup.js";
import { benchView } from "./cases/b6-view.js";
import { benchCheckScale } from "./cases/b7-check-scale.js";
import { benchOneStep } from "./cases/b8-one-step.js";
import { benchTestSuite } from "./cases/b9-test-suite.js";
import { benchFanOut, benchNexus } from "./cases/fan-out.js";
import { type BenchContext, benchEnv, FULL_SIZES, QUICK_SIZES } from "./context.js";
import { loadAverage, machineInfo } from "./machine.js";
import { renderResults } from "./report.js";
import type { CaseId, CaseResult } from "./results.js";
import { type BenchStack, startBenchStack, WORKER_MAX_CONCURRENT } from "./stack.js";
import { chooseTimer } from "./timing.js";

type CaseFunction = (ctx: BenchContext) => Promise<Omit<CaseResult, "seconds">>;

const CASES: { id: CaseId; title: string; needsServer: boolean; run: CaseFunction }[] = [
  { id: "B1", title: "sequential activity steps", needsServer: true, run: benchSequential },
  { id: "B2", title: "fan-out of activities", needsServer: true, run: benchFanOut },
  { id: "B3", title: "Nexus operations", needsServer: true, run: benchNexus },
  { id: "B4", title: "memory of a large forEach", needsServer: true, run: benchMemory },
  { id: "B5", title: "start-up", needsServer: false, run: benchStartup },
  { id: "B6", title: "view cost", needsServer: true, run: benchView },
  { id: "B7", title: "check scale", needsServer: false, run: benchCheckScale },
  { id: "B8", title: "one-step run", needsServer: true, run: benchOneStep },
  { id: "B9", title: "nxrun test suite", needsServer: false, run: benchTestSuite },
];

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    runs: { type: "string" },
    out: { type: "string" },
    "no-hyperfine": { type: "boolean", default: false },
  },
});

const only = values.only?.split(",").map((id) => id.trim().toUpperCase());
const unknown = only?.filter((id) => !CASES.some((c) => c.id === id)) ?? [];
if (unknown.length > 0) {
  process.stderr.write(
    `bench: unknown case(s) ${unknown.join(", ")}; the cases are ${CASES.map((c) => c.id).join(", ")}\n`,
  );
  process.exit(2);
}
const selected = CASES.filter((c) => !only || only.includes(c.id));
const quick = values.quick;
const runs = values.runs ? Number(values.runs) : quick ? 2 : 5;
const outFile = values.out ?? join(REPO, "bench", "RESULTS.md");
const startedAt = new Date();
const loadBefore = loadAverage();
const timer = chooseTimer(values["no-hyperfine"]);
process.stderr.write(`bench: timing with ${timer.description}\n`);

let stack: BenchStack | undefined;
let stackError: string | undefined;
if (selected.some((c) => c.needsServer)) {
  process.stderr.write("bench: starting the dev server and worker...\n");
  try {
    stack = await startBenchStack();
    process.stderr.write(`bench: server on ${stack.address}\n`);
  } catch (error) {
    stackError = (error as Error).stack ?? String(error);
  }
}

const ctx: BenchContext = {
  quick,
  sizes: quick ? QUICK_SIZES : FULL_SIZES,
  runs,
  warmup: 1,
  address: stack?.address ?? "127.0.0.1:0",
  namespace: stack?.namespace ?? "default",
  taskQueue: stack?.taskQueue ?? "nxrun-bench",
  endpoint: stack?.endpoint ?? "nxrun-bench",
  pipelinesDir: join(REPO, "bench", "pipelines"),
  outDir: join(REPO, "bench", "out"),
  timer,
  env: benchEnv(),
  freshServer,
  resetServer: async () => {
    if (!stack) throw new Error("no server to reset");
    await stack.reset();
  },
};

/**
 * Replaces the server and worker with new ones. The in-memory dev server keeps every execution in
 * memory (measured: about 230 KB each, 23 GB after some 100,000), and slows and finally dies as they
 * pile up, so each case, and each B4 run, gets a server of its own.
 */
async function freshServer(): Promise<void> {
  await stack?.stop();
  stack = undefined;
  stack = await startBenchStack();
  ctx.address = stack.address;
  process.stderr.write(`bench:   fresh server on ${stack.address}\n`);
}

const results: CaseResult[] = [];
let serverUsed = false;
try {
  for (const c of selected) {
    const started = performance.now();
    process.stderr.write(`bench: ${c.id} ${c.title}\n`);
    if (c.needsServer && !stack) {
      results.push({
        id: c.id,
        title: c.title,
        measurements: [],
        comparisons: [],
        notes: [],
        error: `no server: ${stackError}`,
        seconds: 0,
      });
      continue;
    }
    try {
      // The first server case gets the server started above; every later one a fresh server.
      if (c.needsServer && serverUsed) await freshServer();
      serverUsed ||= c.needsServer;
      const result = await c.run(ctx);
      results.push({ ...result, seconds: (performance.now() - started) / 1000 });
    } catch (error) {
      results.push({
        id: c.id,
        title: c.title,
        measurements: [],
        comparisons: [],
        notes: [],
        error: (error as Error).stack ?? String(error),
        seconds: (performance.now() - started) / 1000,
      });
    }
    const errors = results.at(-1)?.measurements.filter((m) => m.error && !m.error.startsWith("not available")) ?? [];
    for (const m of errors) process.stderr.write(`bench:   ${m.peer} failed: ${m.error?.split("\n")[0]}\n`);
  }
} finally {
  await stack?.stop();
}

const findingsFile = join(REPO, "bench", "findings.md");
const findings = existsSync(findingsFile)
  ? readFileSync(findingsFile, "utf8")
      .split("\n")
      .filter((line) => line.startsWith("- "))
      .map((line) => line.slice(2))
  : [];
const text = renderResults(
  {
    quick,
    ...(only ? { only } : {}),
    runs,
    warmup: ctx.warmup,
    timer: timer.description,
    startedAt,
    seconds: (Date.now() - startedAt.getTime()) / 1000,
    loadBefore,
    loadAfter: loadAverage(),
    workerMaxConcurrent: WORKER_MAX_CONCURRENT,
    ...(stackError ? { stackError } : {}),
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`,
  },
  machineInfo(),
  results,
  findings,
);
writeFileSync(outFile, text);
// The repository's formatter aligns Markdown tables; format here so `npm run lint` stays clean.
const biome = join(REPO, "node_modules", ".bin", "biome");
if (existsSync(biome)) spawnSync(biome, ["format", "--write", outFile], { cwd: REPO, stdio: "ignore" });
process.stderr.write(`bench: wrote ${outFile}\n`);
