/**
 * Peak resident memory of a whole process: GNU time's maximum RSS (`/usr/bin/time -f %M`) when it
 * is installed, else the last VmHWM read from /proc/<pid>/status while the process runs.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface ProcessPeak {
  /** Peak RSS, MiB. */
  peakMiB: number;
  wallSeconds: number;
}

const GNU_TIME = "/usr/bin/time";

/** How peak RSS is measured on this machine (for RESULTS.md). */
export function peakRssMethod(): string {
  return existsSync(GNU_TIME)
    ? "GNU time maximum RSS (/usr/bin/time -f %M)"
    : "VmHWM from /proc/<pid>/status, read every 10 ms";
}

/** Runs argv to its end and returns its peak RSS; throws (with its stderr) when it exits non-zero. */
export async function measurePeakRss(argv: string[], env: NodeJS.ProcessEnv): Promise<ProcessPeak> {
  const useTime = existsSync(GNU_TIME);
  const dir = mkdtempSync(join(tmpdir(), "nxrun-bench-rss-"));
  const timeFile = join(dir, "time.txt");
  const [file, ...args] = useTime ? [GNU_TIME, "-f", "%M", "-o", timeFile, ...argv] : argv;
  const started = performance.now();
  let hwmKiB = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(file as string, args, { env, stdio: ["ignore", "ignore", "pipe"] });
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => {
        stderr = (stderr + d.toString()).slice(-4000);
      });
      const poll = useTime
        ? undefined
        : setInterval(() => {
            try {
              const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"));
              if (match) hwmKiB = Math.max(hwmKiB, Number(match[1]));
            } catch {
              // The process has just exited.
            }
          }, 10);
      child.once("error", reject);
      child.once("close", (exitCode) => {
        if (poll) clearInterval(poll);
        if (exitCode !== 0)
          reject(new Error(`exited ${exitCode}:\n${stderr.trim().split("\n").slice(-15).join("\n")}`));
        else resolve();
      });
    });
    if (useTime) hwmKiB = Number(readFileSync(timeFile, "utf8").trim().split("\n").pop());
    return { peakMiB: hwmKiB / 1024, wallSeconds: (performance.now() - started) / 1000 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
