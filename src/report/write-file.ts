/**
 * Report files are written whole (a temporary file, then rename) so a reader never sees half a file.
 * The temporary file is created exclusively (`wx`: O_CREAT | O_EXCL, which also refuses to follow a
 * symlink planted at its name) under an unpredictable name in the report's own directory (so the
 * rename stays on one file system), and removed when anything fails: none is left behind. Its name
 * is short and not the report's: any name the file system takes for the report works.
 */
import { randomBytes } from "node:crypto";
import { open, rename, rm } from "node:fs/promises";
import { dirname, join, sep } from "node:path";
import { OutputError } from "../base/user-error.js";

/** Which file is written, for the message: "run report", and the flag that named it: "--report". */
export interface ReportFileKind {
  what: string;
  flag: string;
}

/**
 * Writes `text` to `path` atomically; a path that cannot be written is an OutputError (exit 4). A path
 * ending in a separator names a directory even where none exists; an existing directory is refused by
 * the rename (EISDIR), after the temporary file is made, so that path also shows nothing is left behind.
 */
export async function writeReportFile(path: string, text: string, kind: ReportFileKind): Promise<void> {
  if (path.endsWith(sep) || path.endsWith("/")) throw unwritable(path, kind, { code: "EISDIR" });
  const temporary = join(dirname(path), `.nxrun-${randomBytes(8).toString("hex")}.tmp`);
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
    throw unwritable(path, kind, error);
  }
}

/** One message naming the path and what is wrong with it, in words rather than Node's syscall text. */
function unwritable(path: string, kind: ReportFileKind, error: unknown): OutputError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const directory = dirname(path);
  const [reason, hint] = ((): [string, string] => {
    switch (code) {
      case "EISDIR":
        return ["it is a directory", `give ${kind.flag} a file name, e.g. ${kind.flag} ${join(path, "report")}`];
      case "ENOENT":
        return [`no such directory: ${directory}`, `create ${directory} first or give ${kind.flag} another path`];
      case "ENOTDIR":
        return [`a part of ${directory} is not a directory`, `give ${kind.flag} a path in an existing directory`];
      case "EACCES":
      case "EPERM":
        return [`no permission to write in ${directory}`, `give ${kind.flag} a path in a directory you can write to`];
      case "EROFS":
        return [`${directory} is on a read-only file system`, `give ${kind.flag} a path on a writable file system`];
      case "ENAMETOOLONG":
        return ["the path or a name in it is too long", `give ${kind.flag} a shorter path`];
      case "ENOSPC":
      case "EDQUOT":
        return ["no space left on the device", `free some space or give ${kind.flag} a path on another device`];
      default: {
        const reason = error instanceof Error ? error.message : String(error);
        return [reason, `check that ${directory} exists and is writable, or give ${kind.flag} another path`];
      }
    }
  })();
  return new OutputError(`cannot write the ${kind.what} to ${path}: ${reason}`, {
    hint,
    cause: error,
  });
}
