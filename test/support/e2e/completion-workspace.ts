/**
 * What the shell completion tests (test/e2e/cli/completion-*.test.ts) complete in: a directory with
 * an `nxrun` on PATH that runs this checkout's bin/nxrun.js (built dist/), and a working directory
 * holding pipeline files, a file that is no pipeline and a directory, so each shell's file filter
 * can be seen keeping to *.yaml / *.yml. Also: whether a shell is there, and what a test does when
 * it is not.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO } from "../../../scripts/dev-server.js";
import { paneShowing, tmux } from "./tmux.js";

export interface CompletionWorkspace {
  dir: string;
  /** Holds the `nxrun` the shells run. */
  bin: string;
  /** The working directory of the shells. */
  work: string;
  /** PATH with `bin` first, HOME the workspace: nothing of the machine's own shell setup. */
  env: { PATH: string; HOME: string };
}

export function completionWorkspace(): CompletionWorkspace {
  const dir = mkdtempSync(join(tmpdir(), "nxrun-completion-"));
  const bin = join(dir, "bin");
  mkdirSync(bin);
  writeFileSync(join(bin, "nxrun"), `#!/bin/sh\nexec '${process.execPath}' '${join(REPO, "bin", "nxrun.js")}' "$@"\n`);
  chmodSync(join(bin, "nxrun"), 0o755);
  const work = join(dir, "work");
  mkdirSync(join(work, "pipelines"), { recursive: true });
  writeFileSync(
    join(work, "deploy.yaml"),
    [
      "nxrun: 1",
      "name: deploy",
      "inputs:",
      "  environment: { type: string, enum: [staging, production], description: Where to deploy }",
      "  version: { type: string }",
      "  dryRun: { type: boolean, default: false }",
      "steps:",
      "  - { id: a, activity: A, taskQueue: q }",
      "",
    ].join("\n"),
  );
  writeFileSync(join(work, "deploy-old.yml"), "nxrun: 1\n");
  writeFileSync(join(work, "deploy-notes.txt"), "not a pipeline\n");
  writeFileSync(join(work, "pipelines", "x.yaml"), "nxrun: 1\n");
  writeFileSync(join(work, "pipelines", "readme.txt"), "not a pipeline\n");
  return { dir, bin, work, env: { PATH: `${bin}:${process.env.PATH}`, HOME: dir } };
}

export function hasCommand(name: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/**
 * The name of a shell's describe block: it runs when the shell is there; when it is not, locally it
 * is skipped and says why, and under CI (where .ci/run installs it) it fails rather than skip.
 */
export function shellSuite(shell: string): { run: boolean; title: string } {
  const present = hasCommand(shell);
  if (present || process.env.CI) return { run: true, title: `nxrun completion ${shell}` };
  return { run: false, title: `nxrun completion ${shell} (SKIPPED: ${shell} is not installed; .ci/run installs it)` };
}

export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Starts `shell` (its command line) in tmux session `session`, in the workspace, with nothing of the machine's setup. */
export function shellInTmux(ws: CompletionWorkspace, session: string, shell: string): void {
  const env = `env -i PATH=${shellQuote(ws.env.PATH)} HOME=${shellQuote(ws.dir)} TERM=xterm`;
  tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "20", "-c", ws.work, `${env} ${shell}`);
}

/**
 * Types into a shell whose completion is loaded and whose prompt is `$ `: a flag choice and an input
 * name, each completed by TAB, read off the screen. The pane is read with trailing spaces trimmed, so
 * a typed Z shows whether TAB added a space.
 */
export async function tabCompletesInTmux(session: string): Promise<void> {
  tmux("send-keys", "-t", session, "C-u", "nxrun check --format=gi", "Tab");
  await paneShowing(session, "$ nxrun check --format=github");
  tmux("send-keys", "-t", session, "Z");
  await paneShowing(session, "$ nxrun check --format=github Z");
  tmux("send-keys", "-t", session, "C-u", "nxrun deploy.yaml -i env", "Tab");
  await paneShowing(session, "$ nxrun deploy.yaml -i environment=");
  tmux("send-keys", "-t", session, "pr", "Tab");
  await paneShowing(session, "$ nxrun deploy.yaml -i environment=production");
  tmux("send-keys", "-t", session, "Z");
  await paneShowing(session, "$ nxrun deploy.yaml -i environment=production Z");
}
