/**
 * Running nxrun in a real terminal for end-to-end tests: a tmux session on a socket of this test
 * process's own (so no one else's tmux is touched), read back with capture-pane as a person would see it.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO } from "../../../scripts/dev-server.js";
import { waitFor } from "./harness.js";

const SOCKET = `nxrun-tui-${process.pid}`;
const COLUMNS = 110;
const ROWS = 36;

export function tmux(...args: string[]): string {
  return execFileSync("tmux", ["-L", SOCKET, ...args], { encoding: "utf8" });
}

export interface TmuxStartOptions {
  /** A line the shell prints before nxrun starts: it stays on screen unless something clears it. */
  banner?: string;
  /** Every byte written to the terminal goes to this file too (tmux pipe-pane), from before nxrun starts. */
  rawLog?: string;
  /** The terminal's size; 110x36 unless given. */
  columns?: number;
  rows?: number;
}

/** Starts `nxrun args` in a fresh tmux session; the shell writes nxrun's exit code to a file. */
export function startInTmux(
  session: string,
  args: string[],
  env: Record<string, string>,
  options: TmuxStartOptions = {},
): { exitFile: string } {
  const dir = mkdtempSync(join(tmpdir(), "nxrun-tui-"));
  const exitFile = join(dir, "exit-code");
  // With a raw log, the shell waits for this file: pipe-pane is attached before anything is written.
  const gate = join(dir, "go");
  const quoted = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const command = [
    ...(options.rawLog ? [`while [ ! -e ${quoted(gate)} ]; do sleep 0.05; done;`] : []),
    ...(options.banner ? [`printf '%s\\n' ${quoted(options.banner)};`] : []),
    "env -u CI",
    ...Object.entries(env).map(([k, v]) => `${k}=${quoted(v)}`),
    quoted(process.execPath),
    quoted(join(REPO, "bin", "nxrun.js")),
    ...args.map(quoted),
    `; echo $? > ${quoted(exitFile)}; sleep 600`,
  ].join(" ");
  const size = ["-x", String(options.columns ?? COLUMNS), "-y", String(options.rows ?? ROWS)];
  tmux("new-session", "-d", "-s", session, ...size, command);
  if (options.rawLog) {
    tmux("pipe-pane", "-t", session, `cat > ${quoted(options.rawLog)}`);
    writeFileSync(gate, "");
  }
  return { exitFile };
}

/**
 * Waits for nxrun started by startInTmux to exit and returns its exit code as the shell wrote it
 * ("0", "1", "130"). The shell creates the file before it writes the code, so an empty file is
 * not an exit yet.
 */
export async function exitCodeInTmux(exitFile: string, timeoutMs = 60_000): Promise<string> {
  return waitFor(
    "nxrun in tmux to exit",
    () => {
      try {
        return readFileSync(exitFile, "utf8").trim() || undefined;
      } catch {
        return undefined;
      }
    },
    { timeoutMs },
  );
}

export function pane(session: string): string {
  return tmux("capture-pane", "-p", "-t", session)
    .split("\n")
    .map((line) => line.trimEnd())
    .join("\n")
    .trimEnd();
}

/**
 * The pane once it has settled: for reading the screen after nxrun exited. The exit-code file can be
 * written before the tmux server has read nxrun's last bytes from the pty (it reads when it is next
 * scheduled, later on a loaded machine), so a single capture may miss the final frame. Nothing
 * writes to the pane after nxrun (the shell only writes the file and sleeps), so two equal captures
 * `quietMs` apart are the final screen. `join` is capture-pane's -J (wrapped lines joined).
 */
export async function settledPane(
  session: string,
  { join = false, quietMs = 300, timeoutMs = 10_000 } = {},
): Promise<string> {
  const capture = () => (join ? tmux("capture-pane", "-p", "-J", "-t", session) : pane(session));
  let last = capture();
  return waitFor(
    "the pane to settle",
    () => {
      const now = capture();
      const settled = now === last;
      last = now;
      return settled ? now : undefined;
    },
    { timeoutMs, intervalMs: quietMs },
  );
}

/** Everything the pane's history holds (scrolled off and on screen), lines trimmed at their ends. */
export function paneHistory(session: string): string {
  return tmux("capture-pane", "-p", "-S", "-", "-t", session)
    .split("\n")
    .map((line) => line.trimEnd())
    .join("\n")
    .trimEnd();
}

export async function paneShowing(session: string, what: RegExp | string, timeoutMs = 30_000): Promise<string> {
  let last = "";
  try {
    return await waitFor(
      `the pane to show ${String(what)}`,
      () => {
        last = pane(session);
        return (typeof what === "string" ? last.includes(what) : what.test(last)) ? last : undefined;
      },
      { timeoutMs },
    );
  } catch (error) {
    throw new Error(`the pane never showed ${String(what)}; it showed:\n${last}`, { cause: error });
  }
}

/** Kills this test process's tmux server (and with it every session it started). */
export function stopTmux(): void {
  try {
    tmux("kill-server");
  } catch {
    // No session was started.
  }
}
