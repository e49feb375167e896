/**
 * Typos in the fields nxrun defines (`$steps.<id>.outptu`, `$steps.<id>.error.mesage`, `$run.stauts`),
 * through the real binary: each fixture is diagnosed with its code, line and column, and a did-you-mean.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO } from "../../../scripts/dev-server.js";
import { runNxrun } from "../../support/e2e/harness.js";

const FIXTURES = ["ref-step-field-typo", "ref-step-error-field-typo", "ref-run-field-typo"];

describe("nxrun check on typos of the fields nxrun defines", () => {
  it("reports each at its field with NX160 and the field meant", async () => {
    const files = FIXTURES.map((name) => join(REPO, "test", "fixtures", "invalid", `${name}.yaml`));
    const result = await runNxrun(["check", "--format", "json", ...files]);
    expect(result.code, result.stdout + result.stderr).toBe(2);
    const found = JSON.parse(result.stdout) as Array<{
      code: string;
      file: string;
      line: number;
      column: number;
      hint?: string;
    }>;
    for (const file of files) {
      // The fixture's first line says what must be reported: "# expect: NX160 at L:C: ...".
      const [, code, line, column] = /^# expect: (\S+) at (\d+):(\d+):/.exec(readFileSync(file, "utf8")) ?? [];
      const mine = found.filter((d) => d.file === file);
      expect(mine.map((d) => [d.code, d.line, d.column])).toEqual([[code, Number(line), Number(column)]]);
      expect(mine[0]?.hint).toMatch(/^did you mean "\$(steps\.reserve(\.error)?|run)\.(output|message|status)"\?$/);
    }
  });
});
