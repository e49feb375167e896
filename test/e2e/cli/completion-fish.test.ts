/**
 * `nxrun completion fish` in a real fish: the script sourced, then fish's own completion engine
 * asked what it offers for a command line (`complete -C LINE`, the list TAB shows), then a TAB in an
 * interactive fish in tmux, read off the screen.
 * Needs no server: the `nxrun` on PATH is bin/nxrun.js (built dist/).
 */
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CompletionWorkspace,
  completionWorkspace,
  hasCommand,
  shellInTmux,
  shellSuite,
  tabCompletesInTmux,
} from "../../support/e2e/completion-workspace.js";
import { paneShowing, stopTmux, tmux } from "../../support/e2e/tmux.js";

let ws: CompletionWorkspace;
beforeAll(() => {
  ws = completionWorkspace();
});
afterAll(() => stopTmux());

/** fish's completions for `line`: [value, description] pairs (description "" when none). */
function completions(line: string): [string, string][] {
  const out = execFileSync(
    "fish",
    ["--no-config", "-c", "nxrun completion fish | source; complete -C $argv[1]", line],
    {
      cwd: ws.work,
      env: ws.env,
      encoding: "utf8",
    },
  );
  return out
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => {
      const [value = "", description = ""] = l.split("\t");
      return [value, description];
    });
}

function complete(line: string): string[] {
  return completions(line).map(([value]) => value);
}

const suite = shellSuite("fish");
describe.skipIf(!suite.run)(suite.title, () => {
  it("runs in a real fish (installed by .ci/run)", () => {
    expect(hasCommand("fish")).toBe(true);
  });

  it("completes command names with their descriptions and, for `nxrun file.yaml`, pipeline files", () => {
    const [check] = completions("nxrun ch");
    expect(check?.[0]).toBe("check");
    expect(check?.[1]).toMatch(/check pipelines without running them/);
    expect(complete("nxrun co").sort()).toEqual(["completion", "count"]);
    expect(complete("nxrun dep").sort()).toEqual(["deploy-old.yml", "deploy.yaml"]);
  });

  it("offers only pipeline files and directories where a pipeline goes", () => {
    expect(complete("nxrun check ").sort()).toEqual(["deploy-old.yml", "deploy.yaml", "pipelines/"]);
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
    expect(complete("nxrun check --format ").sort()).toEqual(["github", "json", "text"]);
    expect(complete("nxrun check --format=g")).toEqual(["--format=github"]);
    expect(complete("nxrun deploy.yaml -o p")).toEqual(["plain"]);
    expect(complete("nxrun completion ").sort()).toEqual(["bash", "fish", "zsh"]);
  });

  it("completes -i names from the pipeline on the line, then enum and boolean values", () => {
    expect(complete("nxrun run deploy.yaml -i ").sort()).toEqual(["dryRun=", "environment=", "version="]);
    expect(complete("nxrun deploy.yaml --input v")).toEqual(["version="]);
    expect(complete("nxrun deploy.yaml -i environment=").sort()).toEqual([
      "environment=production",
      "environment=staging",
    ]);
    expect(complete("nxrun deploy.yaml -i environment=p")).toEqual(["environment=production"]);
    expect(complete("nxrun deploy.yaml -i dryRun=").sort()).toEqual(["dryRun=false", "dryRun=true"]);
    expect(complete("nxrun eval 1 --pipeline deploy.yaml -i e")).toEqual(["environment="]);
    expect(complete("nxrun deploy-notes.txt -i ")).toEqual([]);
  });

  it("completes any file for options that take a file", () => {
    expect(complete("nxrun deploy.yaml --report deploy-n")).toEqual(["deploy-notes.txt"]);
  });

  it("completes on TAB in an interactive fish (tmux)", async () => {
    const session = "completion-fish";
    shellInTmux(ws, session, "fish --no-config");
    tmux("send-keys", "-t", session, "function fish_prompt; echo '$ '; end; nxrun completion fish | source", "Enter");
    await paneShowing(session, /^\$$/m);
    await tabCompletesInTmux(session);
  });
});
