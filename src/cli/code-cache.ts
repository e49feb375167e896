/**
 * Loads the one-file build of the CLI (dist/src/bundle/nxrun.cjs, made by scripts/bundle-cli.mjs) with
 * a V8 code cache, so a start of nxrun does not compile the same JavaScript again. Why: compiling is
 * most of nxrun's start-up (V8's `wrapSafe` is the top self-time of a one-step run; bench/findings.md,
 * "B8"), and Node 20 has no `module.enableCompileCache()`. Loaded by bin/nxrun.js before anything else,
 * so it imports nothing of nxrun's own (bin/nxrun.js takes the directory from src/base/cache-directory.ts).
 *
 * The cache is V8's own code cache (`vm.Script` cachedData), one file per command (run, check, ...: each
 * keeps what its own start compiled) under the user's cache directory. A cache file is used only when
 * its name matches this bundle's content (SHA-256; the text holds nxrun's version), this Node and the
 * process's V8 flags (execArgv, NODE_OPTIONS), and
 * when the SHA-256 it carries of itself matches its bytes (a torn or damaged file is never handed to
 * V8); V8 itself rejects data of another V8 or other flags. A cache that is missing, damaged or
 * rejected costs one ordinary compile, and is written again when the process exits (to a temporary
 * file then renamed, so concurrent runs never read half a file), replacing that command's caches of
 * earlier builds. It never changes what runs: the
 * source compiled is always the bundle's own text.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire, Module } from "node:module";
import { basename, dirname, join } from "node:path";
import { cachedDataVersionTag } from "node:v8";
import vm from "node:vm";

/** What the bundle exports: bin/nxrun.js's two calls. */
export interface CliEntry {
  main(argv: string[]): Promise<number>;
  exitWhenSettled(command: Promise<number>, stderr: NodeJS.WritableStream): void;
}

export type CacheUse = "hit" | "miss" | "rejected" | "off";

export interface LoadedBundle {
  readonly exports: CliEntry;
  /** hit: V8 took the cache; miss: there was none; rejected: damaged, or V8 refused it; off: no cache dir. */
  readonly cache: CacheUse;
  /** Writes the cache file now when this load did not use one (bin/nxrun.js calls it as the process exits). */
  writeCache(): void;
}

const HASH_BYTES = 32;

/** The cache file of `command` for this bundle text (and so this nxrun), Node, platform and V8 flags. */
export function cacheFileName(source: Buffer, command: string): string {
  const key = createHash("sha256")
    .update(source)
    .update(
      JSON.stringify([
        process.version,
        process.arch,
        process.platform,
        process.execArgv,
        process.env.NODE_OPTIONS ?? "",
      ]),
    )
    .digest("hex")
    .slice(0, 32);
  return `${command.replace(/[^a-z_]/gi, "_").slice(0, 24)}-${key}.v8cache`;
}

/**
 * Compiles and runs `bundle` as a CommonJS module, with the code cache of `command` from `cacheDir`
 * when there is a good one. Any trouble with the cache (unreadable, unwritable) falls back to a plain
 * compile: a cache can make a start slower, never fail it.
 */
export function loadBundle(bundle: string, options: { command: string; cacheDir?: string | undefined }): LoadedBundle {
  const source = readFileSync(bundle);
  const file =
    options.cacheDir === undefined ? undefined : join(options.cacheDir, cacheFileName(source, options.command));
  let cachedData: Buffer | undefined;
  if (file !== undefined) {
    try {
      const stored = readFileSync(file);
      const payload = stored.subarray(HASH_BYTES);
      const sum = createHash("sha256").update(payload).digest();
      if (stored.length > HASH_BYTES && sum.equals(stored.subarray(0, HASH_BYTES))) cachedData = payload;
      else cachedData = Buffer.alloc(0); // damaged: counted as rejected below, and rewritten
    } catch {
      // No cache yet (or unreadable): compile, and write one at exit.
    }
  }
  // CommonJS's wrapper plus `__nxrun_import`: the bundle's way to import an ES module (the Ink view:
  // scripts/bundle-cli.mjs), since V8 drops a vm.Script's own import() callback with a code cache.
  const wrapped = `(function (exports, require, module, __filename, __dirname, __nxrun_import) {${source.toString("utf8")}\n})`;
  const script = new vm.Script(wrapped, {
    filename: bundle,
    ...(cachedData !== undefined && cachedData.length > 0 ? { cachedData } : {}),
  });
  const cache: CacheUse =
    file === undefined
      ? "off"
      : cachedData === undefined
        ? "miss"
        : cachedData.length === 0 || script.cachedDataRejected !== false
          ? "rejected"
          : "hit";
  const module = new Module(bundle);
  module.filename = bundle;
  (module as unknown as { paths: string[] }).paths = (
    Module as unknown as { _nodeModulePaths(dir: string): string[] }
  )._nodeModulePaths(dirname(bundle));
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  const importEsm = (url: string): Promise<unknown> => import(url);
  wrapper.call(module.exports, module.exports, createRequire(bundle), module, bundle, dirname(bundle), importEsm);
  let written = false;
  // V8 stamps a cache with its flags of the moment, and refuses it under other flags: data written
  // after a flag changed since this load would be refused by every next start.
  const startFlags = cachedDataVersionTag();
  return {
    exports: module.exports as CliEntry,
    cache,
    writeCache() {
      if (file === undefined || cache === "hit" || written || cachedDataVersionTag() !== startFlags) return;
      written = true;
      const temporary = `${file}.${process.pid}.tmp`;
      try {
        const data = script.createCachedData();
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(temporary, Buffer.concat([createHash("sha256").update(data).digest(), data]));
        renameSync(temporary, file);
        // This command's caches of earlier builds (or another Node) are never read again.
        const prefix = `${basename(file).split("-")[0]}-`;
        for (const name of readdirSync(dirname(file)))
          if (name.startsWith(prefix) && name.endsWith(".v8cache") && name !== basename(file))
            rmSync(join(dirname(file), name), { force: true });
      } catch {
        // A read-only or full disk: the next start compiles again, nothing else.
        try {
          rmSync(temporary, { force: true });
        } catch {
          // Nothing was written.
        }
      }
    },
  };
}
