#!/usr/bin/env node
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

// Part of `npm run build`: bundles the `yaml` package into one file, dist/src/vendor/yaml.cjs, which
// src/pipeline/yaml-module.ts loads when it is there. Why: yaml is 72 CommonJS files, and Node pays
// for finding, reading and compiling each one on every start of every command that reads a pipeline
// (run, check, graph, and each TAB of the shell completion). Measured on Node 20 (bench/findings.md,
// "B8 start-up"): require("yaml") 38-54 ms of CPU, the bundle 8-12 ms. The bundle is made from the
// installed package at each build, so it is always the version package.json pins.

const REPO = join(dirname(fileURLToPath(import.meta.url)), "..");
// A worktree whose node_modules predates esbuild still builds: nxrun then loads yaml's own files
// (src/pipeline/yaml-module.ts), slower to start, same behaviour. `npm install` brings esbuild.
const esbuild = await import("esbuild").catch(() => undefined);
if (!esbuild) {
  process.stderr.write("bundle-vendor: esbuild is not installed (run npm install); yaml stays unbundled\n");
  process.exit(0);
}
const require = createRequire(join(REPO, "package.json"));
const entry = require.resolve("yaml");
const pkg = JSON.parse(readFileSync(join(dirname(entry), "..", "package.json"), "utf8"));

await esbuild.build({
  entryPoints: [entry],
  outfile: join(REPO, "dist", "src", "vendor", "yaml.cjs"),
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  logLevel: "warning",
  banner: {
    js: `// yaml ${pkg.version} (${pkg.license} license, ${pkg.homepage ?? "https://eemeli.org/yaml/"}), bundled by scripts/bundle-vendor.mjs`,
  },
});
