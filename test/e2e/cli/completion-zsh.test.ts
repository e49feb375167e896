/**
 * `nxrun completion zsh` in a real zsh: an interactive zsh on a pseudo-terminal (zsh/zpty) with the
 * completion system loaded (compinit) and nxrun's script eval'ed, a line typed and a TAB pressed;
 * what the completion offered is read from a compadd that records each match
 * (test/support/e2e/zsh/capture.zsh). Last, a TAB in zsh in tmux, read off the screen.
 * Needs no server: the `nxrun` on PATH is bin/nxrun.js (built dist/).
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO } from "../../../scripts/dev-server.js";
import {
  type CompletionWorkspace,
  completionWorkspace,
  hasCommand,
  shellInTmux,
  shellSuite,
  tabCompletesInTmux,
} from "../../support/e2e/completion-workspace.js";
import { paneShowing, stopTmux, tmux } from "../../support/e2e/tmux.js";

const ZSH = join(REPO, "test", "support", "e2e", "zsh");
let ws: CompletionWorkspace;
beforeAll(() => {
  ws = completionWorkspace();
});
afterAll(() => stopTmux());

/** What zsh offers on TAB after `line` (each match as it would stand on the line). */
function complete(line: string): string[] {
  const out = execFileSync("zsh", ["-f", join(ZSH, "drive.zsh"), join(ZSH, "capture.zsh"), line], {
    cwd: ws.work,
    env: { ...ws.env, TERM: "dumb" },
    encoding: "utf8",
    timeout: 60_000,
  });
  const lines = out.split("\n").filter((l) => l !== "");
  expect(lines.at(-1), `zsh's completion of ${JSON.stringify(line)} did not finish:\n${out}`).toBe("::done");
  return lines.slice(0, -1);
}

const suite = shellSuite("zsh");
describe.skipIf(!suite.run)(suite.title, () => {
  it("runs in a real zsh (installed by .ci/run)", () => {
    expect(hasCommand("zsh")).toBe(true);
  });

  it("completes command names and, for `nxrun file.yaml`, pipeline files", () => {
    expect(complete("nxrun ch")).toEqual(["check"]);
    expect(complete("nxrun co").sort()).toEqual(["completion", "count"]);
    expect(complete("nxrun dep").sort()).toEqual(["deploy-old.yml", "deploy.yaml"]);
  });

  it("offers only pipeline files and directories where a pipeline goes", () => {
    expect(complete("nxrun check ").sort()).toEqual(["deploy-old.yml", "deploy.yaml", "pipelines"]);
    expect(complete("nxrun check pipelines/")).toEqual(["pipelines/x.yaml"]);
  });

  it("completes flags from the command's own options", () => {
    expect(complete("nxrun check deploy.yaml --fo")).toEqual(["--format"]);
    const runFlags = complete("nxrun run deploy.yaml --");
    for (const flag of ["--input", "--dry-run", "--output", "--report", "--junit", "--api-key", "--help"])
      expect(runFlags).toContain(flag);
    expect(complete("nxrun -").sort()).toEqual(["--help", "--version"]);
  });

  it("completes an option's choices, after a space or =", () => {
    expect(complete("nxrun check --format ")).toEqual(["text", "json", "github"]);
    expect(complete("nxrun check --format=g")).toEqual(["--format=github"]);
    expect(complete("nxrun deploy.yaml -o p")).toEqual(["plain"]);
    expect(complete("nxrun completion ")).toEqual(["bash", "zsh", "fish"]);
  });

  it("completes -i names from the pipeline on the line (no space after =), then enum and boolean values", () => {
    expect(complete("nxrun run deploy.yaml -i ")).toEqual([
      "environment=<nospace>",
      "version=<nospace>",
      "dryRun=<nospace>",
    ]);
    expect(complete("nxrun deploy.yaml --input v")).toEqual(["version=<nospace>"]);
    expect(complete("nxrun deploy.yaml -i environment=")).toEqual(["environment=staging", "environment=production"]);
    expect(complete("nxrun deploy.yaml -i environment=p")).toEqual(["environment=production"]);
    expect(complete("nxrun deploy.yaml -i dryRun=")).toEqual(["dryRun=true", "dryRun=false"]);
    expect(complete("nxrun eval 1 --pipeline deploy.yaml -i e")).toEqual(["environment=<nospace>"]);
    expect(complete("nxrun deploy-notes.txt -i ")).toEqual([]);
  });

  it("completes any file for options that take a file", () => {
    expect(complete("nxrun deploy.yaml --report deploy-n")).toEqual(["deploy-notes.txt"]);
  });

  it("completes on TAB in an interactive zsh (tmux)", async () => {
    const session = "completion-zsh";
    shellInTmux(ws, session, "PS1='$ ' zsh -f");
    await paneShowing(session, /^\$$/m);
    tmux(
      "send-keys",
      "-t",
      session,
      'autoload -Uz compinit && compinit -u -D && eval "$(nxrun completion zsh)"',
      "Enter",
    );
    await paneShowing(session, /completion zsh\)"\n\$$/);
    await tabCompletesInTmux(session);
  });
});
