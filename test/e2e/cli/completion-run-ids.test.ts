/**
 * `nxrun status <TAB>` (and watch, cancel, run --resume) offers the recent run IDs `nxrun runs`
 * lists, asked of the server the line's flags or TEMPORAL_* name: in a real bash, zsh and fish. A
 * server that does not answer (a proxy that forwards nothing) or is not there costs the TAB at most
 * the deadline, offers nothing and prints nothing.
 */
import { execFile, execFileSync } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, REPO } from "../../../scripts/dev-server.js";
import { DEADLINE_MS } from "../../../src/cli/completion/run-ids.js";
import {
  type CompletionWorkspace,
  completionWorkspace,
  hasCommand,
  shellQuote,
} from "../../support/e2e/completion-workspace.js";
import { stack, uniqueId } from "../../support/e2e/harness.js";
import { type PartitionProxy, partitionProxy } from "../../support/e2e/partition-proxy.js";
import { output, pipelineFile, runPipelineFile } from "../../support/e2e/run-helpers.js";

let ws: CompletionWorkspace;
let proxy: PartitionProxy;
const runIds: string[] = [];
beforeAll(async () => {
  ws = completionWorkspace();
  proxy = await partitionProxy(stack().address);
  const file = pipelineFile(`
nxrun: 1
name: tabbed
steps:
  - id: a
    activity: echo
    taskQueue: {{queue}}
    input: 1
`);
  const prefix = uniqueId("tab");
  for (const suffix of ["one", "two"]) {
    const result = await runPipelineFile(file, [], { runId: `${prefix}-${suffix}` });
    expect(result.code, output(result)).toBe(0);
    runIds.push(result.runId);
  }
}, 120_000);
afterAll(async () => {
  await proxy?.close();
});

/** The server to ask, as a user's environment names it. */
const serverEnv = () => ({ ...ws.env, TEMPORAL_ADDRESS: stack().address, TEMPORAL_NAMESPACE: stack().namespace });

/** `_nxrun_complete` in bash for these words (as bash splits them); COMPREPLY. */
function bash(words: string[], env: NodeJS.ProcessEnv): string[] {
  const script = [
    'eval "$(nxrun completion bash)"',
    `COMP_WORDS=(${words.map(shellQuote).join(" ")})`,
    `COMP_CWORD=${words.length - 1}`,
    `COMP_LINE=${shellQuote(words.join(" "))}`,
    // biome-ignore lint/suspicious/noTemplateCurlyInString: bash's own ${...}
    "COMP_POINT=${#COMP_LINE}",
    "_nxrun_complete",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: bash's own ${...}
    'printf "%s\\n" "${COMPREPLY[@]}"',
  ].join("\n");
  const out = execFileSync("bash", ["--norc", "--noprofile", "-c", script], { cwd: ws.work, env, encoding: "utf8" });
  return out.split("\n").filter((l) => l !== "");
}

/**
 * What a TAB offers, asked again until it matches: on a loaded machine one ask can miss the
 * deadline, and offering nothing then is the designed answer, not a fault of this test's subject.
 */
async function expectOffered(ask: () => string[], expected: string[], what?: string): Promise<void> {
  await expect
    .poll(() => ask().sort(), { timeout: 30_000, interval: 500, message: what })
    .toEqual([...expected].sort());
}

describe("run IDs on TAB", () => {
  it("bash: status, watch and cancel offer the recent runs starting with what is typed", async () => {
    const prefix = runIds[0]?.slice(0, -"one".length) ?? "";
    // Visibility lists a run's manifest a moment after the run started it.
    for (const command of ["status", "watch", "cancel"])
      await expectOffered(() => bash(["nxrun", command, prefix], serverEnv()), runIds, command);
    await expectOffered(() => bash(["nxrun", "status", runIds[1] ?? ""], serverEnv()), [runIds[1] ?? ""]);
    await expectOffered(() => bash(["nxrun", "run", "deploy.yaml", "--resume", prefix], serverEnv()), runIds);
  });

  it("bash: asks the server the line's own --address and --namespace name", async () => {
    const prefix = runIds[0]?.slice(0, -"one".length) ?? "";
    const words = ["nxrun", "status", "--address", stack().address, "-n", stack().namespace, prefix];
    await expectOffered(() => bash(words, ws.env), runIds);
    // The environment names another namespace: the line wins.
    await expectOffered(() => bash(words, { ...ws.env, TEMPORAL_NAMESPACE: "no-such-namespace" }), runIds);
    expect(bash(["nxrun", "status", prefix], { ...serverEnv(), TEMPORAL_NAMESPACE: "no-such-namespace" })).toEqual([]);
  });

  it.skipIf(!hasCommand("zsh"))("zsh: offers them through its entry point too", async () => {
    const zsh = join(REPO, "test", "support", "e2e", "zsh");
    const prefix = runIds[0]?.slice(0, -"one".length) ?? "";
    const ask = () => {
      const out = execFileSync(
        "zsh",
        ["-f", join(zsh, "drive.zsh"), join(zsh, "capture.zsh"), `nxrun status ${prefix}`],
        { cwd: ws.work, env: { ...serverEnv(), TERM: "dumb" }, encoding: "utf8", timeout: 60_000 },
      );
      const lines = out.split("\n").filter((l) => l !== "");
      expect(lines.at(-1), out).toBe("::done");
      return lines.slice(0, -1);
    };
    await expectOffered(ask, runIds);
  });

  it.skipIf(!hasCommand("fish"))("fish: offers them through its entry point too", async () => {
    const prefix = runIds[0]?.slice(0, -"one".length) ?? "";
    const ask = () =>
      execFileSync(
        "fish",
        ["--no-config", "-c", "nxrun completion fish | source; complete -C $argv[1]", `nxrun status ${prefix}`],
        { cwd: ws.work, env: serverEnv(), encoding: "utf8" },
      )
        .split("\n")
        .filter((l) => l !== "");
    await expectOffered(ask, runIds);
  });

  it("a server that does not answer, or is not there, costs the TAB at most the deadline and prints nothing", async () => {
    proxy.cut();
    try {
      const nobody = `127.0.0.1:${await freePort()}`;
      for (const address of [proxy.address, nobody]) {
        const began = Date.now();
        const { stdout, stderr } = await promisify(execFile)(
          join(ws.bin, "nxrun"),
          ["__complete", "bash", "nxrun status "],
          { env: { ...ws.env, TEMPORAL_ADDRESS: address }, encoding: "utf8" },
        );
        const took = Date.now() - began;
        expect({ stdout, stderr }).toEqual({ stdout: "", stderr: "" });
        // The deadline, plus starting Node and nxrun (a few seconds at most on a loaded machine).
        expect(took, address).toBeLessThan(DEADLINE_MS + 5_000);
      }
    } finally {
      proxy.heal();
    }
  });
});
