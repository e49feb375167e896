import { describe, expect, it } from "vitest";
import { isUserError } from "../../../src/base/user-error.js";
import { checkRunIdSearchable, failureText, runQuery } from "../../../src/runs/run-executions.js";
import { renderTable, statusCell, timeCell } from "../../../src/runs/table.js";
import { andQuery, idPrefixQuery, queryString } from "../../../src/runs/visibility-query.js";

describe("visibility queries", () => {
  it("prefix queries use the kind's ID attribute and include the dot after the run ID", () => {
    expect(idPrefixQuery("activity", "r1.")).toBe('ActivityId STARTS_WITH "r1."');
    expect(idPrefixQuery("nexus", "r1.")).toBe('OperationId STARTS_WITH "r1."');
    expect(runQuery("activity", "deploy-20250101T000000Z-abcd")).toBe(
      'ActivityId STARTS_WITH "deploy-20250101T000000Z-abcd."',
    );
    expect(runQuery("nexus", "r", 'ExecutionStatus = "Running"')).toBe(
      '(OperationId STARTS_WITH "r.") AND (ExecutionStatus = "Running")',
    );
  });

  it("quotes values so they cannot change the query", () => {
    expect(queryString('a"b')).toBe('"a\\"b"');
    expect(queryString("a\\b")).toBe('"a\\\\b"');
    expect(queryString("it's")).toBe('"it\'s"');
    expect(andQuery(undefined, " ", "x = 1")).toBe("x = 1");
  });

  it("refuses run IDs that visibility cannot match, with a hint", () => {
    for (const bad of ['a"b', "a\\b", " "]) {
      let error: unknown;
      try {
        checkRunIdSearchable(bad);
      } catch (e) {
        error = e;
      }
      expect(isUserError(error) && error.exitCode === 2 && Boolean(error.hint)).toBe(true);
    }
    expect(() => checkRunIdSearchable("it's_50%")).not.toThrow();
  });
});

describe("status formatting", () => {
  it("writes a failure's cause chain on one line, as every output writes a chain", () => {
    expect(
      failureText({
        message: "step failed",
        kind: "application",
        type: "DeployError",
        nonRetryable: true,
        cause: { message: "disk\nquota", kind: "application", type: "IOError" },
      }),
    ).toBe("DeployError (non-retryable): step failed ← caused by IOError: disk quota");
  });

  it("aligns table columns and leaves the last one unpadded", () => {
    expect(
      renderTable(
        ["A", "LONGER", "LAST"],
        [
          ["xx", "y", ""],
          ["x", "yyyyyyy", "z"],
        ],
      ),
    ).toBe("A   LONGER   LAST\nxx  y\nx   yyyyyyy  z");
    expect(timeCell(new Date("2025-01-02T03:04:05.678Z"))).toBe("2025-01-02T03:04:05Z");
    expect(timeCell(undefined)).toBe("-");
    expect(statusCell("timedOut")).toBe("TimedOut");
  });
});
