/** Report files are written whole (temp file, then rename) so a reader never sees half a file. */
import { rename, writeFile } from "node:fs/promises";
import { OutputError } from "../base/user-error.js";

/** Writes `text` to `path` atomically; a path that cannot be written is an OutputError (exit 4). */
export async function writeReportFile(path: string, text: string, what: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, text, "utf8");
    await rename(temporary, path);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new OutputError(`cannot write the ${what} to ${path}: ${reason}`, {
      hint: "check that the directory exists and is writable, or pass another path",
      cause: error,
    });
  }
}
