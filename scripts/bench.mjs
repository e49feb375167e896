#!/usr/bin/env node
// `npm run bench [-- --quick] [-- --only B2,B5]`: builds nxrun (and the bench, which tsc compiles
// with everything else) when a source is newer than the last build, then runs dist/bench/main.js.
// The bench itself starts its own Temporal dev server and worker; see bench/main.ts.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..");
const stamp = join(repo, "dist", ".bench-build-stamp");

function newest(dir) {
  let latest = 0;
  if (!existsSync(dir)) return latest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) latest = Math.max(latest, newest(path));
    else if (/\.(ts|tsx|json)$/.test(entry.name)) latest = Math.max(latest, statSync(path).mtimeMs);
  }
  return latest;
}

const sources = Math.max(
  ...["src", "bench", "scripts", "test/workers", "specs"].map((d) => newest(join(repo, d))),
  statSync(join(repo, "tsconfig.json")).mtimeMs,
);
const built = existsSync(stamp) ? statSync(stamp).mtimeMs : 0;
if (sources > built || !existsSync(join(repo, "dist", "bench", "main.js"))) {
  process.stderr.write("bench: building (tsc -p tsconfig.json)...\n");
  const tsc = spawnSync(
    process.execPath,
    [join(repo, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json"],
    {
      cwd: repo,
      stdio: "inherit",
    },
  );
  // tsc still emits when another part of the tree has a type error; run what was built, but say so.
  if (tsc.status !== 0)
    process.stderr.write(`bench: warning: tsc exited ${tsc.status}; benchmarking what it emitted\n`);
  else writeFileSync(stamp, new Date().toISOString());
  if (!existsSync(join(repo, "dist", "bench", "main.js"))) process.exit(1);
}
// The rest of `npm run build`: the one-file yaml that nxrun loads (scripts/bundle-vendor.mjs).
if (!existsSync(join(repo, "dist", "src", "vendor", "yaml.cjs"))) {
  const vendor = spawnSync(process.execPath, [join(repo, "scripts", "bundle-vendor.mjs")], {
    cwd: repo,
    stdio: "inherit",
  });
  if (vendor.status !== 0)
    process.stderr.write("bench: warning: scripts/bundle-vendor.mjs failed; nxrun loads yaml's files\n");
}
// And the one-file CLI that bin/nxrun.js runs (scripts/bundle-cli.mjs), made again after each tsc run.
const cliBundle = join(repo, "dist", "src", "bundle", "nxrun.cjs");
if (
  !existsSync(cliBundle) ||
  statSync(cliBundle).mtimeMs < statSync(join(repo, "dist", "src", "cli", "main.js")).mtimeMs
) {
  const cli = spawnSync(process.execPath, [join(repo, "scripts", "bundle-cli.mjs")], { cwd: repo, stdio: "inherit" });
  if (cli.status !== 0)
    process.stderr.write("bench: warning: scripts/bundle-cli.mjs failed; nxrun runs the unbundled modules\n");
}
const bench = spawnSync(process.execPath, [join(repo, "dist", "bench", "main.js"), ...process.argv.slice(2)], {
  cwd: repo,
  stdio: "inherit",
});
process.exit(bench.status ?? 1);
