import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { cacheDirectory } from "../../../src/base/cache-directory.js";
import { loadBundle } from "../../../src/cli/code-cache.js";

/** A stand-in for dist/src/bundle/nxrun.cjs: CommonJS with the two exports, a result and a lazy import(). */
function bundleSource(answer: number): string {
  return [
    "const path = require('node:path');",
    `function compute() { let n = 0; for (let i = 0; i < 10; i++) n += i; return n - 45 + ${answer}; }`,
    "module.exports = {",
    "  answer: compute(),",
    "  dir: path.basename(__dirname),",
    "  main: async (argv) => argv.length,",
    "  exitWhenSettled() {},",
    "  later: () => __nxrun_import(require('node:url').pathToFileURL(path.join(__dirname, 'later.mjs')).href),",
    "};",
    "",
  ].join("\n");
}

function workspace(answer = 42): { dir: string; bundle: string; cacheDir: string } {
  const dir = mkdtempSync(join(tmpdir(), "nxrun-code-cache-"));
  const bundle = join(dir, "nxrun.cjs");
  writeFileSync(bundle, bundleSource(answer));
  writeFileSync(join(dir, "later.mjs"), "export const loaded = 'yes';\n");
  return { dir, bundle, cacheDir: join(dir, "cache") };
}

type Exported = { answer: number };
const exported = (loaded: ReturnType<typeof loadBundle>) => loaded?.exports as unknown as Exported;

// V8 keeps what a process compiled in memory, so a second load in this process would take that rather
// than the file: each load whose cache use is checked runs in a Node process of its own, on the build.
const builtLoader = fileURLToPath(new URL("../../../dist/src/cli/code-cache.js", import.meta.url));

/**
 * Loads `bundle` in a fresh Node process (writing the cache at the end): what it used, what it
 * computed, and what its lazy import() of an ES module gave (how the bundle loads the Ink view).
 */
function loadInProcess(
  bundle: string,
  command: string,
  cacheDir: string,
  v8FlagsBeforeExit: string[] = [],
): { cache: string; answer: number } {
  const script = `import(${JSON.stringify(builtLoader)}).then(async ({ loadBundle }) => {
    const loaded = loadBundle(${JSON.stringify(bundle)}, { command: ${JSON.stringify(command)}, cacheDir: ${JSON.stringify(cacheDir)} });
    const later = await loaded.exports.later();
    const { setFlagsFromString } = await import("node:v8");
    for (const flag of JSON.parse(process.env.V8_FLAGS_BEFORE_EXIT)) setFlagsFromString(flag);
    loaded.writeCache();
    process.stdout.write(JSON.stringify({ cache: loaded.cache, answer: loaded.exports.answer, later: later.loaded }));
  });`;
  // Through the environment: the script is in process.execArgv, which names the cache file.
  const env = { ...process.env, V8_FLAGS_BEFORE_EXIT: JSON.stringify(v8FlagsBeforeExit) };
  const result = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", env });
  if (result.status !== 0 || result.stderr !== "") throw new Error(result.stderr);
  const out = JSON.parse(result.stdout) as { cache: string; answer: number; later: string };
  expect(out.later).toBe("yes");
  return { cache: out.cache, answer: out.answer };
}

describe("loadBundle (V8 code cache of the one-file CLI)", () => {
  it("compiles without a cache, writes one, and the next start takes it with the same result", () => {
    const { bundle, cacheDir } = workspace();
    expect(loadInProcess(bundle, "run", cacheDir)).toEqual({ cache: "miss", answer: 42 });
    expect(readdirSync(cacheDir)).toEqual([expect.stringMatching(/^run-[0-9a-f]{32}\.v8cache$/)]);
    // Also with the code from the cache, the lazy import works (V8 drops vm's own import() callback then).
    expect(loadInProcess(bundle, "run", cacheDir)).toEqual({ cache: "hit", answer: 42 });
  });

  it("keeps one cache per command", () => {
    const { bundle, cacheDir } = workspace();
    loadInProcess(bundle, "run", cacheDir);
    expect(loadInProcess(bundle, "check", cacheDir).cache).toBe("miss");
    expect(loadInProcess(bundle, "run", cacheDir).cache).toBe("hit");
  });

  it("never uses the cache of another bundle text, even of the same length", () => {
    const { bundle, cacheDir } = workspace(42);
    loadInProcess(bundle, "run", cacheDir);
    writeFileSync(bundle, bundleSource(43));
    expect(loadInProcess(bundle, "run", cacheDir)).toEqual({ cache: "miss", answer: 43 });
    // The earlier build's cache of the command is gone, not piling up.
    expect(readdirSync(cacheDir)).toHaveLength(1);
  });

  it("a damaged cache file is not handed to V8: compiled afresh, same result, and rewritten", () => {
    const { bundle, cacheDir } = workspace();
    loadInProcess(bundle, "run", cacheDir);
    const [name = ""] = readdirSync(cacheDir);
    const bytes = readFileSync(join(cacheDir, name));
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff;
    writeFileSync(join(cacheDir, name), bytes);
    expect(loadInProcess(bundle, "run", cacheDir)).toEqual({ cache: "rejected", answer: 42 });
    expect(loadInProcess(bundle, "run", cacheDir)).toEqual({ cache: "hit", answer: 42 });
  });

  it("data V8 refuses (a right checksum, but not a code cache) is rejected, and the bundle runs all the same", () => {
    const { bundle, cacheDir } = workspace();
    loadInProcess(bundle, "run", cacheDir);
    const [name = ""] = readdirSync(cacheDir);
    const junk = Buffer.from("not a V8 code cache at all, but long enough to look like one".repeat(20));
    writeFileSync(join(cacheDir, name), Buffer.concat([createHash("sha256").update(junk).digest(), junk]));
    expect(loadInProcess(bundle, "run", cacheDir)).toEqual({ cache: "rejected", answer: 42 });
    expect(loadInProcess(bundle, "run", cacheDir)).toEqual({ cache: "hit", answer: 42 });
  });

  it("writes no cache while the process runs with V8 flags of its own (the next start would refuse it)", () => {
    const { bundle, cacheDir } = workspace();
    // A flag changed after the load, as a program embedding the loader might.
    expect(loadInProcess(bundle, "run", cacheDir, ["--heap-growing-percent=50"]).cache).toBe("miss");
    expect(existsSync(cacheDir)).toBe(false);
    // Flags back at their start-up values: written, and taken by the next start.
    loadInProcess(bundle, "run", cacheDir, ["--heap-growing-percent=50", "--heap-growing-percent=0"]);
    expect(loadInProcess(bundle, "run", cacheDir).cache).toBe("hit");
  });

  it("without a cache directory it only compiles; an unwritable one costs nothing but the cache", () => {
    const { bundle, dir } = workspace();
    const off = loadBundle(bundle, { command: "run", cacheDir: undefined });
    expect(off?.cache).toBe("off");
    off?.writeCache();
    // A cache directory below a file cannot be made.
    const blocked = loadBundle(bundle, { command: "run", cacheDir: join(bundle, "cache") });
    expect(exported(blocked).answer).toBe(42);
    expect(() => blocked?.writeCache()).not.toThrow();
    expect(readdirSync(dir).sort()).toEqual(["later.mjs", "nxrun.cjs"]);
  });
});

describe("cacheDirectory", () => {
  it("NXRUN_CODE_CACHE=off turns the cache off; NXRUN_CACHE_DIR, then XDG_CACHE_HOME choose where it goes", () => {
    expect(cacheDirectory({ NXRUN_CODE_CACHE: "off", NXRUN_CACHE_DIR: "/x" })).toBeUndefined();
    expect(cacheDirectory({ NXRUN_CACHE_DIR: "/x" })).toBe("/x");
    if (process.platform === "linux") expect(cacheDirectory({ XDG_CACHE_HOME: "/c" })).toBe("/c/nxrun/code");
  });
});

describe("a bug in the built CLI", () => {
  it("shows its stack at the source lines, not at the bundle's", () => {
    const loader = fileURLToPath(new URL("../../../dist/src/cli/code-cache.js", import.meta.url));
    const bundle = fileURLToPath(new URL("../../../dist/src/bundle/nxrun.cjs", import.meta.url));
    // A terminal with no stderr makes the run command throw a TypeError: a bug, exit 70.
    const script = `import(${JSON.stringify(loader)}).then(({ loadBundle }) => {
      const { exports: cli } = loadBundle(${JSON.stringify(bundle)}, { command: "test" });
      cli.exitWhenSettled(cli.main(["run", "missing.yaml"], {}), process.stderr);
    });`;
    const result = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
    expect(result.status).toBe(70);
    expect(result.stderr).toMatch(/internal error\nTypeError: .*\n\s+at .*\/src\/cli\/main\.ts:\d+:\d+/);
    expect(result.stderr).not.toContain("nxrun.cjs");
  });
});
