#!/usr/bin/env node
// Installs the npm packages when node_modules is missing or older than the lockfile, so `npm test`
// (its `pretest`) and CI work on a fresh clone. Imports nothing from node_modules.
//
// Why not plain `npm ci`: a registry mirror that serves only this platform's optional packages
// produces a lockfile without the other platforms' ones (@biomejs/cli-*, @swc/core-*), and npm ci
// refuses such a lockfile as out of sync; npm install accepts it and leaves it unchanged.
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const REPO = join(dirname(fileURLToPath(import.meta.url)), "..");
const mtime = (file) => (existsSync(file) ? statSync(file).mtimeMs : 0);
const installed = join(REPO, "node_modules", ".package-lock.json");

if (!existsSync(installed) || mtime(join(REPO, "package-lock.json")) > mtime(installed)) {
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const run = (args) =>
    spawnSync(npm, args, { cwd: REPO, stdio: ["ignore", process.stderr, "pipe"], encoding: "utf8" });
  process.stderr.write("installing npm packages (npm ci)...\n");
  const ci = run(["ci", "--no-audit", "--no-fund"]);
  if (ci.status !== 0) {
    process.stderr.write("npm ci refused the lockfile; trying npm install...\n");
    const install = run(["install", "--no-audit", "--no-fund"]);
    if (install.status !== 0) {
      process.stderr.write(`${install.stderr}\nnpm install failed (${install.status ?? install.signal})\n`);
      process.exit(install.status || 1);
    }
  }
}
