// Exit codes in one table, errors classified by class, and docs/cli.md saying the same.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { ExitCode } from "../../../src/base/exit-codes.js";
import { OutputError, ServerError, UserError } from "../../../src/base/user-error.js";
import { ExpressionError } from "../../../src/pipeline/expr/expression-error.js";
import { TemporalServiceError } from "../../../src/temporal/service-errors.js";

describe("exit codes", () => {
  it("follow from an error's class", () => {
    expect(new UserError("bad flag").exitCode).toBe(ExitCode.usage);
    expect(new ServerError("unreachable").exitCode).toBe(ExitCode.server);
    expect(new TemporalServiceError("refused", 14, "GetSystemInfo").exitCode).toBe(ExitCode.server);
    expect(new TemporalServiceError("refused", 14, "GetSystemInfo")).toBeInstanceOf(ServerError);
    expect(new OutputError("cannot write").exitCode).toBe(ExitCode.outputNotWritten);
    expect(new ExpressionError("bad", { file: "p.yaml", line: 1, column: 1 }, "$x").exitCode).toBe(ExitCode.usage);
  });

  it("are the ones docs/cli.md lists, each once", () => {
    const doc = readFileSync(resolve(import.meta.dirname, "../../../docs/cli.md"), "utf8");
    const section = doc.slice(doc.indexOf("## Exit codes"));
    const documented = [...section.matchAll(/^\| `(\d+)` +\|/gm)].map((m) => Number(m[1]));
    expect(documented.sort((a, b) => a - b)).toEqual(Object.values(ExitCode).sort((a, b) => a - b));
  });
});
