#!/usr/bin/env node
// Part of `npm run build`, after tsc: bundles the CLI (dist/src/cli/main.js and everything it loads,
// @temporalio/proto and @grpc/grpc-js included) into one CommonJS file, dist/src/bundle/nxrun.cjs,
// which bin/nxrun.js runs with a V8 code cache (src/cli/code-cache.ts). Why: most of a start of
// nxrun is Node finding, reading and compiling some 250 files (bench/findings.md, "B8, one file and a
// code cache"); one file is read once, and its compiled code is kept between runs.
//
// - CommonJS, not ES modules: Node 20 can give a code cache to a vm.Script, not to an ES module.
//   Lazily imported commands stay lazy: esbuild wraps each module in a function run on first import.
// - The Ink view (src/report/tui/mount.tsx and what it imports) stays the ES modules tsc wrote: Ink is
//   published as ES modules only, which CommonJS cannot require() on Node 20; the bundle imports
//   dist/src/report/tui/mount.js when the view starts (through the loader: see below).
// - `import.meta.url` of every module becomes the bundle's URL; the modules using it look for files
//   relative to it (dist/src/vendor/yaml.cjs, specs/ found upwards), which the bundle's place one level
//   under dist/src keeps true.
// - OpenTelemetry stays outside (`external`): src/trace/otlp.ts require()s it from node_modules when a
//   run is traced (`--trace`), so the one file every start reads and compiles does not carry the SDK.
// - The source map chains tsc's maps, so a bug's stack is shown at src/*.ts lines (src/cli/bundle-stack.ts).
import { existsSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const REPO = join(dirname(fileURLToPath(import.meta.url)), "..");
const outfile = join(REPO, "dist", "src", "bundle", "nxrun.cjs");
const esbuild = await import("esbuild").catch(() => undefined);
if (!esbuild) {
  // bin/nxrun.js then runs dist/src/cli/main.js as tsc wrote it: slower to start, same behaviour.
  rmSync(outfile, { force: true });
  process.stderr.write("bundle-cli: esbuild is not installed (run npm install); the CLI stays unbundled\n");
  process.exit(0);
}
const cliDir = join(REPO, "dist", "src", "cli");
if (!existsSync(join(cliDir, "main.js")))
  throw new Error("bundle-cli: run tsc first (dist/src/cli/main.js is missing)");

// The Ink view through the loader's import(): V8 loses a vm.Script's dynamic-import callback when
// its code comes from a code cache (Node 20: ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING), so the bundle
// calls `__nxrun_import`, a parameter src/cli/code-cache.ts gives it, defined in a real ES module.
const tuiReporter = join(REPO, "dist", "src", "report", "tui", "reporter.js");
const inkViewThroughLoader = {
  name: "ink-view-through-loader",
  setup(build) {
    build.onLoad({ filter: /reporter\.js$/ }, (args) => {
      if (args.path !== tuiReporter) return undefined;
      const text = readFileSync(args.path, "utf8");
      const load = 'import("./mount.js")';
      if (text.split(load).length !== 2) throw new Error(`bundle-cli: ${args.path} no longer has one ${load}`);
      const url = 'new URL("../report/tui/mount.js", __nxrun_bundle_url).href';
      return { contents: text.replace(load, `__nxrun_import(${url})`), loader: "js" };
    });
  },
};

// yaml inside the bundle, so its code is cached too: src/pipeline/yaml-module.ts chooses at run time
// between dist/src/vendor/yaml.cjs and the package, which esbuild cannot follow; here it is the package.
const yamlModule = join(REPO, "dist", "src", "pipeline", "yaml-module.js");
const yamlInside = {
  name: "yaml-inside",
  setup(build) {
    build.onLoad({ filter: /yaml-module\.js$/ }, (args) => {
      if (args.path !== yamlModule) return undefined;
      const text = readFileSync(args.path, "utf8");
      const choice = /^const yaml = require\(.*\);$/m;
      if (!choice.test(text)) throw new Error(`bundle-cli: ${args.path} no longer has the line this build replaces`);
      return {
        contents: text.replace(choice, 'import * as yamlPackage from "yaml";\nconst yaml = yamlPackage;'),
        loader: "js",
      };
    });
  },
};

await esbuild.build({
  stdin: {
    contents: 'export { main } from "./main.js";\nexport { exitWhenSettled } from "./exit-guard.js";\n',
    resolveDir: cliDir,
    sourcefile: "nxrun-entry.js",
    loader: "js",
  },
  outfile,
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  sourcemap: "linked",
  sourcesContent: false,
  define: { "import.meta.url": "__nxrun_bundle_url" },
  banner: { js: 'var __nxrun_bundle_url = require("node:url").pathToFileURL(__filename).href;' },
  external: ["@opentelemetry/*"],
  plugins: [inkViewThroughLoader, yamlInside],
  logLevel: "warning",
});
