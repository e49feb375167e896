/**
 * nxrun's per-user cache directory, shared by what nxrun keeps between runs: the V8 code caches of the
 * CLI (src/cli/code-cache.ts) and the compiled validators of input schemas (src/pipeline/input-schemas.ts).
 * Imports nothing of nxrun's own: bin/nxrun.js loads it (through code-cache.ts) before the bundle.
 */
import { homedir } from "node:os";
import { join } from "node:path";

/**
 * `NXRUN_CACHE_DIR`, else `code/` in the platform's per-user cache directory of nxrun; undefined for
 * `NXRUN_CODE_CACHE=off` (nothing compiled is kept then).
 */
export function cacheDirectory(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.NXRUN_CODE_CACHE === "off") return undefined;
  if (env.NXRUN_CACHE_DIR) return env.NXRUN_CACHE_DIR;
  if (process.platform === "win32" && env.LOCALAPPDATA) return join(env.LOCALAPPDATA, "nxrun", "Cache", "code");
  if (process.platform === "darwin") return join(homedir(), "Library", "Caches", "nxrun", "code");
  return join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "nxrun", "code");
}
