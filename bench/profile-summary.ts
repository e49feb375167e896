/**
 * Summarizes a V8 .cpuprofile (from `node --cpu-prof`): self time by package or source file, and the
 * top functions. Used to find the largest cost when a target is missed.
 *
 *   node dist/bench/profile-summary.js file.cpuprofile [--top 25]
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: "string", default: "25" } },
});
const file = positionals[0];
if (!file) throw new Error("usage: profile-summary.js file.cpuprofile [--top N]");
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfMs = new Map<number, number>();
for (const [i, id] of profile.samples.entries()) {
  selfMs.set(id, (selfMs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
}
const total = [...selfMs.values()].reduce((a, b) => a + b, 0);

/** node_modules/<pkg> for dependencies, the repository-relative path for nxrun's own files. */
function place(url: string): string {
  if (!url) return "(native / V8)";
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1] as string;
  const own = /\/(dist\/.*)$/.exec(url);
  if (own) return own[1] as string;
  return url.startsWith("node:") ? "node: (built-in)" : url;
}

function table(title: string, entries: Map<string, number>): void {
  const top = Number(values.top);
  process.stdout.write(`\n${title} (of ${Math.round(total)} ms sampled)\n`);
  for (const [name, ms] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(`${ms.toFixed(0).padStart(8)} ms ${((ms / total) * 100).toFixed(1).padStart(5)}%  ${name}\n`);
  }
}

const byPlace = new Map<string, number>();
const byFunction = new Map<string, number>();
for (const [id, ms] of selfMs) {
  const node = byId.get(id);
  if (!node) continue;
  const where = place(node.callFrame.url);
  byPlace.set(where, (byPlace.get(where) ?? 0) + ms);
  const fn = `${node.callFrame.functionName || "(anonymous)"}  ${where}:${node.callFrame.lineNumber + 1}`;
  byFunction.set(fn, (byFunction.get(fn) ?? 0) + ms);
}
// Inclusive time of nxrun's own functions (a function's time plus everything it called), counted
// once per call-tree path even when it recurses.
const inclusive = new Map<number, number>();
function inclusiveMs(node: ProfileNode): number {
  const known = inclusive.get(node.id);
  if (known !== undefined) return known;
  let ms = selfMs.get(node.id) ?? 0;
  for (const child of node.children ?? []) {
    const c = byId.get(child);
    if (c) ms += inclusiveMs(c);
  }
  inclusive.set(node.id, ms);
  return ms;
}
const ownInclusive = new Map<string, number>();
function walk(node: ProfileNode, onStack: Set<string>): void {
  const where = place(node.callFrame.url);
  const fn = `${node.callFrame.functionName || "(anonymous)"}  ${where}:${node.callFrame.lineNumber + 1}`;
  const own = where.startsWith("dist/") && !onStack.has(fn);
  if (own) ownInclusive.set(fn, (ownInclusive.get(fn) ?? 0) + inclusiveMs(node));
  if (own) onStack.add(fn);
  for (const child of node.children ?? []) {
    const c = byId.get(child);
    if (c) walk(c, onStack);
  }
  if (own) onStack.delete(fn);
}
const root = profile.nodes[0];
if (root) walk(root, new Set());

table("Self time by package / file", byPlace);
table("Self time by function", byFunction);
table("Inclusive time of nxrun's own functions", ownInclusive);
