/**
 * `nxrun completion bash` in a real bash: the script registers itself (`complete -p`), and the
 * completion function, driven with COMP_WORDS / COMP_CWORD / COMP_LINE / COMP_POINT as bash's
 * readline sets them (words split at `=`), offers commands, flags, choices, pipeline files and the
 * inputs of the pipeline on the line. Last, a TAB typed into an interactive bash in tmux.
 * Needs no server: the `nxrun` on PATH is bin/nxrun.js (built dist/).
 */
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CompletionWorkspace,
  completionWorkspace,
  shellInTmux,
  shellQuote,
  tabCompletesInTmux,
} from "../../support/e2e/completion-workspace.js";
import { paneShowing, stopTmux, tmux } from "../../support/e2e/tmux.js";

let ws: CompletionWorkspace;
beforeAll(() => {
  ws = completionWorkspace();
});
afterAll(() => stopTmux());

/** Runs `_nxrun_complete` in bash with the words as bash would split them; returns COMPREPLY. */
function complete(words: string[]): string[] {
  const line = words.join(" ").replace(/ = ?/g, "=");
  const script = [
    'eval "$(nxrun completion bash)"',
    `COMP_WORDS=(${words.map(shellQuote).join(" ")})`,
    `COMP_CWORD=${words.length - 1}`,
    `COMP_LINE=${shellQuote(line)}`,
    // biome-ignore lint/suspicious/noTemplateCurlyInString: bash's own ${...}
    "COMP_POINT=${#COMP_LINE}",
    "_nxrun_complete",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: bash's own ${...}
    'printf "%s\\n" "${COMPREPLY[@]}"',
  ].join("\n");
  const out = execFileSync("bash", ["--norc", "--noprofile", "-c", script], {
    cwd: ws.work,
    env: ws.env,
    encoding: "utf8",
  });
  return out.split("\n").filter((l) => l !== "");
}

describe("nxrun completion bash", () => {
  it("registers a completion function for nxrun", () => {
    const out = execFileSync(
      "bash",
      ["--norc", "--noprofile", "-c", 'eval "$(nxrun completion bash)"; complete -p nxrun'],
      {
        env: { PATH: ws.env.PATH },
        encoding: "utf8",
      },
    );
    expect(out.trim()).toBe("complete -F _nxrun_complete nxrun");
  });

  it("completes command names and, for `nxrun file.yaml`, pipeline files", () => {
    expect(complete(["nxrun", "ch"])).toEqual(["check"]);
    expect(complete(["nxrun", "co"]).sort()).toEqual(["completion", "count"]);
    // A first word that is no command is the pipeline of an implicit `run`.
    expect(complete(["nxrun", "dep"]).sort()).toEqual(["deploy-old.yml", "deploy.yaml"]);
  });

  it("offers only pipeline files and directories where a pipeline goes", () => {
    const offered = complete(["nxrun", "check", ""]);
    expect(offered).toContain("deploy.yaml");
    expect(offered).toContain("deploy-old.yml");
    expect(offered).toContain("pipelines");
    expect(offered).not.toContain("deploy-notes.txt");
    expect(complete(["nxrun", "check", "pipelines/"])).toEqual(["pipelines/x.yaml"]);
  });

  it("completes flags from the command's own options", () => {
    expect(complete(["nxrun", "check", "deploy.yaml", "--fo"])).toEqual(["--format"]);
    const runFlags = complete(["nxrun", "run", "deploy.yaml", "--"]);
    for (const flag of ["--input", "--dry-run", "--output", "--report", "--junit", "--api-key", "--help"])
      expect(runFlags).toContain(flag);
    expect(complete(["nxrun", "-"]).sort()).toEqual(["--help", "--version"]);
  });

  it("completes an option's choices, also after = (which bash makes a word of its own)", () => {
    expect(complete(["nxrun", "check", "--format", ""])).toEqual(["text", "json", "github"]);
    expect(complete(["nxrun", "check", "--format", "=", "g"])).toEqual(["github"]);
    expect(complete(["nxrun", "check", "--format", "="])).toEqual(["text", "json", "github"]);
    expect(complete(["nxrun", "deploy.yaml", "-o", "p"])).toEqual(["plain"]);
    expect(complete(["nxrun", "completion", ""])).toEqual(["bash", "zsh", "fish"]);
  });

  it("completes -i names from the pipeline on the line, and enum or boolean values after =", () => {
    expect(complete(["nxrun", "run", "deploy.yaml", "-i", ""])).toEqual(["environment=", "version=", "dryRun="]);
    expect(complete(["nxrun", "deploy.yaml", "-y", "--input", "v"])).toEqual(["version="]);
    expect(complete(["nxrun", "deploy.yaml", "-i", "environment", "=", ""])).toEqual(["staging", "production"]);
    expect(complete(["nxrun", "deploy.yaml", "-i", "environment", "=", "p"])).toEqual(["production"]);
    expect(complete(["nxrun", "deploy.yaml", "-i", "dryRun", "=", ""])).toEqual(["true", "false"]);
    expect(complete(["nxrun", "eval", "1", "--pipeline", "deploy.yaml", "-i", "e"])).toEqual(["environment="]);
    // No pipeline on the line, or one that does not parse: nothing to offer, and no error.
    expect(complete(["nxrun", "eval", "1", "-i", ""])).toEqual([]);
    expect(complete(["nxrun", "deploy-notes.txt", "-i", ""])).toEqual([]);
  });

  it("completes any file for options that take a file", () => {
    expect(complete(["nxrun", "deploy.yaml", "--report", "deploy-n"])).toEqual(["deploy-notes.txt"]);
    expect(complete(["nxrun", "deploy.yaml", "--inputs", "deploy-n"])).toEqual(["deploy-notes.txt"]);
  });

  it("completes on TAB in an interactive bash (tmux)", async () => {
    const session = "completion";
    shellInTmux(ws, session, "PS1='$ ' bash --norc --noprofile");
    await paneShowing(session, /^\$$/m);
    tmux("send-keys", "-t", session, 'eval "$(nxrun completion bash)"', "Enter");
    await paneShowing(session, /completion bash\)"\n\$$/);
    await tabCompletesInTmux(session);
  });
});
