#!/usr/bin/env node
// `npm run demo [-- pipeline.yaml] [-- nxrun flags]`: one command from a fresh clone to a running pipeline.
// This bootstrap uses nothing but Node: it installs the npm packages when they are missing, builds dist/
// when it is older than the sources, then hands over to the compiled scripts/demo.ts (dev server,
// endpoints, workers, nxrun, teardown). Its messages go to stderr, prefixed "demo:".
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const REPO = dirname(dirname(fileURLToPath(import.meta.url)));
const say = (message) => process.stderr.write(`demo: ${message}\n`);

const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 20 || (major === 20 && minor < 3)) {
  say(`Node ${process.versions.node} is too old: nxrun needs Node 20.3 or later`);
  process.exit(1);
}

/** Runs a command with the demo's stderr, its stdout sent to stderr too (stdout is nxrun's); exits on failure. */
function step(what, command, args) {
  if (what) say(what);
  const result = spawnSync(command, args, { cwd: REPO, stdio: ["ignore", process.stderr, "inherit"] });
  if (result.status !== 0) {
    say(`${[command, ...args].join(" ")} failed (${result.status ?? result.signal})`);
    process.exit(result.status || 1);
  }
}

// The Temporal CLI and the Python venv are made (once) while npm installs and tsc builds: on a fresh
// machine that is the demo's longest wait after those two. scripts/demo.ts asks again and finds them
// made, or waits for this one (scripts/python-venv.sh takes a lock); it also reports any failure.
const prepare = spawn("bash", [join(REPO, "scripts", "temporal-cli.sh")], { cwd: REPO, stdio: "ignore" });
prepare.unref();

// npm ci when node_modules is missing, or older than the lockfile (a pull changed the dependencies).
const installed = join(REPO, "node_modules", ".package-lock.json");
if (!existsSync(installed) || mtime(join(REPO, "package-lock.json")) > mtime(installed)) {
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  say("installing npm packages (npm ci)...");
  const ci = spawnSync(npm, ["ci", "--no-audit", "--no-fund"], {
    cwd: REPO,
    stdio: ["ignore", process.stderr, "pipe"],
  });
  if (ci.status !== 0) {
    // npm ci refuses a lockfile that lacks the optional packages of other platforms (a registry mirror
    // that serves only this platform's produces one). npm install accepts it and leaves it unchanged.
    say("npm ci refused the lockfile; trying npm install...");
    step(null, npm, ["install", "--no-audit", "--no-fund"]);
  }
}
// tsc rewrites every output on each build, so one output's time is the build's time.
const built = join(REPO, "dist", "scripts", "demo.js");
const sources = ["src", "scripts", "examples/workers", "test", "bench"].map((dir) => join(REPO, dir));
const newestSource = Math.max(
  mtime(join(REPO, "tsconfig.json")),
  mtime(join(REPO, "package-lock.json")),
  ...sources.map(newestTs),
);
if (!existsSync(built) || !existsSync(join(REPO, "dist", "src", "cli", "main.js")) || newestSource > mtime(built)) {
  step("building nxrun (tsc)...", process.execPath, [
    join(REPO, "node_modules", "typescript", "bin", "tsc"),
    "-p",
    "tsconfig.json",
  ]);
}

// The rest of `npm run build`: the one-file yaml and the one-file CLI bin/nxrun.js runs (scripts/bundle-cli.mjs
// says why), made again after each tsc run; without them nxrun runs tsc's modules, only slower to start.
const cliBundle = join(REPO, "dist", "src", "bundle", "nxrun.cjs");
if (mtime(cliBundle) < mtime(join(REPO, "dist", "src", "cli", "main.js"))) {
  for (const script of ["bundle-vendor.mjs", "bundle-cli.mjs"])
    spawnSync(process.execPath, [join(REPO, "scripts", script)], { cwd: REPO, stdio: "inherit" });
}

const { runDemo } = await import(pathToFileURL(built).href);
process.exitCode = await runDemo(process.argv.slice(2));

function mtime(file) {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

/** The newest modification time of a .ts/.tsx file under `dir` (0 when there is none). */
function newestTs(dir) {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestTs(path));
    else if (/\.tsx?$/.test(entry.name)) newest = Math.max(newest, mtime(path));
  }
  return newest;
}
