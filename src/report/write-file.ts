/**
 * Report files are written whole (a temporary file, then rename) so a reader never sees half a file.
 * The temporary file is created exclusively (`wx`: O_CREAT | O_EXCL, which also refuses to follow a
 * symlink planted at its name) under an unpredictable name in the report's own directory (so the
 * rename stays on one file system), and removed when anything fails: none is left behind.
 */
import { randomBytes } from "node:crypto";
import { open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { OutputError } from "../base/user-error.js";

/** Writes `text` to `path` atomically; a path that cannot be written is an OutputError (exit 4). */
export async function writeReportFile(path: string, text: string, what: string): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(8).toString("hex")}.tmp`);
  let created = false;
  try {
    const file = await open(temporary, "wx", 0o644);
    created = true;
    try {
      await file.writeFile(text, "utf8");
    } finally {
      await file.close();
    }
    await rename(temporary, path);
    created = false;
  } catch (error) {
    if (created) await rm(temporary, { force: true }).catch(() => undefined);
    const reason = error instanceof Error ? error.message : String(error);
    throw new OutputError(`cannot write the ${what} to ${path}: ${reason}`, {
      hint: "check that the directory exists and is writable, or pass another path",
      cause: error,
    });
  }
}
