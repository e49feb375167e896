#!/usr/bin/env node
// Runs the one-file build of the CLI with its V8 code cache when the build made one (scripts/bundle-cli.mjs,
// src/cli/code-cache.ts: why), else the modules tsc wrote. Both are the same code.
import { catchEarlyInterrupts } from "../dist/src/cli/early-interrupts.js";

const argv = process.argv.slice(2);
// One cache per command: each keeps the code its own start compiled (`nxrun file.yaml` is run).
const first = argv[0] ?? "";
const command = first.startsWith("-") ? "options" : /^[a-z_]+$/.test(first) ? first : "run";
// A Ctrl-C from here on ends a command that waits on the server with a line and exit 130: the rest is
// imported after this, so that loading it is covered too.
catchEarlyInterrupts(command, process.stderr);
const { statSync } = await import("node:fs");
const { fileURLToPath } = await import("node:url");
const { cacheDirectory } = await import("../dist/src/base/cache-directory.js");
const { loadBundle } = await import("../dist/src/cli/code-cache.js");
const { setUpProcess } = await import("../dist/src/cli/process-setup.js");
const bundle = fileURLToPath(new URL("../dist/src/bundle/nxrun.cjs", import.meta.url));
const mtime = (url) => statSync(fileURLToPath(new URL(url, import.meta.url)), { throwIfNoEntry: false })?.mtimeMs;
// A tsc run after the last bundle (tsc alone, not `npm run build`) leaves the bundle stale: use tsc's output.
const bundleBuilt = mtime("../dist/src/bundle/nxrun.cjs");
const fresh = bundleBuilt !== undefined && bundleBuilt >= (mtime("../dist/src/cli/main.js") ?? 0);
// The process's global settings, once, before any of nxrun's work (and before its code cache is read).
setUpProcess(command);
const loaded = fresh ? loadBundle(bundle, { command, cacheDir: cacheDirectory() }) : undefined;
let cli;
if (loaded) {
  process.once("exit", () => loaded.writeCache());
  cli = loaded.exports;
} else {
  cli = { ...(await import("../dist/src/cli/exit-guard.js")), ...(await import("../dist/src/cli/main.js")) };
}
cli.exitWhenSettled(cli.main(argv), process.stderr);
