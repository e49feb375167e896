import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Terminal } from "../../../src/base/terminal.js";
import { evalCommand } from "../../../src/cli/eval.js";

const terminal = { stderr: { color: false, width: () => 80 } } as unknown as Terminal;

describe("nxrun eval's usage hints carry what was given", () => {
  it("--in without --step names the pipeline's steps and the field given", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "nxrun-eval-")), "deploy.yaml");
    writeFileSync(
      file,
      "nxrun: 1\nname: deploy\nsteps:\n  - id: settle\n    wait: 5m\n  - id: ask\n    confirm: go?\n",
    );
    await expect(evalCommand("1 + 1", { pipeline: file, in: "wait" }, terminal)).rejects.toMatchObject({
      message: "--in needs --step",
      hint: "name the step the expression is written in: --step (one of settle, ask) --in wait",
    });
  });

  it("--step without --pipeline names the step given", async () => {
    await expect(evalCommand("1 + 1", { step: "settle" }, terminal)).rejects.toMatchObject({
      message: "--step needs --pipeline",
      hint: "name the file that has step settle: --pipeline FILE --step settle",
    });
  });
});
