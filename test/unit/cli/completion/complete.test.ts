import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { registerCommands } from "../../../../src/cli/commands.js";
import { complete, completionLines } from "../../../../src/cli/completion/complete.js";
import { splitShellWords } from "../../../../src/cli/completion/shell-words.js";
import { catchInterrupts, NO_SIGNALS } from "../../../../src/cli/interrupts.js";
import { memoryStream, terminalOver } from "../../../support/unit/terminal.js";

const program = new Command("nxrun");
const terminal = terminalOver(memoryStream().stream, {});
registerCommands(program, () => {}, {
  terminal,
  secrets: [],
  interrupts: catchInterrupts(terminal.stderr.stream, NO_SIGNALS),
});
const values = (line: string, cwd?: string) => complete(program, line, cwd).candidates.map((c) => c.value);

describe("splitShellWords", () => {
  it("removes quotes and backslashes as a shell would, and knows an empty last word", () => {
    expect(splitShellWords(`nxrun "my dir/p.yaml" -i 'a=b c' x\\ y `)).toEqual({
      done: ["nxrun", "my dir/p.yaml", "-i", "a=b c", "x y"],
      current: "",
    });
    expect(splitShellWords(`nxrun check "pipe`)).toEqual({ done: ["nxrun", "check"], current: "pipe" });
  });
});

describe("complete (zsh and fish send whole words)", () => {
  const dir = mkdtempSync(join(tmpdir(), "nxrun-complete-"));
  writeFileSync(join(dir, "p q.yaml"), "nxrun: 1\ninputs:\n  mode: { enum: [fast, 2] }\nsteps: []\n");

  it("completes --opt=value in one word, with the prefix kept", () => {
    expect(values("nxrun check --format=j")).toEqual(["--format=json"]);
    expect(values("nxrun list --kind=")).toEqual(["--kind=activity", "--kind=nexus"]);
  });

  it("reads -i names from a quoted pipeline path and offers enum values as typed", () => {
    expect(values(`nxrun "p q.yaml" -i `, dir)).toEqual(["mode="]);
    expect(values(`nxrun run 'p q.yaml' -i mode=`, dir)).toEqual(["mode=fast", "mode=2"]);
  });

  it("offers nothing after a free-text option, and pipelines after --", () => {
    expect(complete(program, "nxrun run p.yaml --run-id ").candidates).toEqual([]);
    expect(complete(program, "nxrun check a.yaml ").files).toBe("pipelines");
    expect(complete(program, "nxrun status ").files).toBeUndefined();
  });

  it("cuts values at bash's word breaks only for bash", () => {
    const line = "nxrun check --format=gi";
    expect(completionLines(complete(program, line), "bash", line)).toEqual(["github"]);
    expect(completionLines(complete(program, line), "zsh", line)).toEqual(["--format=github"]);
  });
});

describe("complete asks for run IDs where a run ID goes", () => {
  it("status, watch and cancel's argument and run's --resume, with the line's connection flags as commander parses them", () => {
    expect(complete(program, "nxrun status --address h:1 -n ns --tls --grpc-meta a=b ab").runIds).toEqual({
      prefix: "ab",
      flags: { address: "h:1", namespace: "ns", tls: true, grpcMeta: ["a=b"] },
    });
    expect(complete(program, "nxrun watch ").runIds).toEqual({ prefix: "", flags: {} });
    expect(complete(program, "nxrun cancel --terminate x").runIds?.prefix).toBe("x");
    expect(complete(program, "nxrun run p.yaml --resume de").runIds?.prefix).toBe("de");
  });

  it("nowhere else: a second word after the run ID, a run's new --run-id, other commands", () => {
    for (const line of ["nxrun status r1 ", "nxrun run p.yaml --run-id ", "nxrun check ", "nxrun runs "])
      expect(complete(program, line).runIds, line).toBeUndefined();
  });
});
