/**
 * Whether a case's run used each item mock chosen by `index`. It did not when the index is past the
 * end of every list the step's forEach gave, or when the step never listed its items at all (its
 * `when` was false, the run ended before it, or the forEach itself failed). Such a mock tests
 * nothing: the case that gives it fails, and a shared one no case used is listed at the end
 * (docs/testing.md, "Mocks"). An index inside the list counts as used even when the forEach stopped
 * before starting that item, since which items start is the run's behaviour a case checks.
 */
import type { SourcePosition } from "../base/source-position.js";
import type { RunRecord, StepRecord } from "../engine/events.js";
import { stepPathOf } from "./step-paths.js";
import type { StepMock } from "./test-model.js";

export interface ItemMockUse {
  /** The mocked step's path (`deploy`, `db.createDb`). */
  readonly step: string;
  readonly index: number;
  /** Where the test file gives the index. */
  readonly position: SourcePosition;
  /** Given under the file's `mocks:`, for every case. */
  readonly shared: boolean;
  /** Absent when the run used it; else why not, in words: how many items the step had, or why it never ran. */
  readonly unusedBecause?: string;
}

/** Each item mock by index of the case, and whether its run used it. */
export function itemMockUses(
  mocks: Iterable<StepMock>,
  record: RunRecord,
  whenFalse: ReadonlySet<string>,
): ItemMockUse[] {
  const uses: ItemMockUse[] = [];
  for (const mock of mocks) {
    const byIndex = mock.items.filter((item) => item.index !== undefined);
    if (byIndex.length === 0) continue;
    // A step inside a uses step has one record per run of its pipeline (`db[0].createDb`, `db[1].createDb`).
    const records = record.steps.filter((s) => s.section !== "compensate" && stepPathOf(s.id) === mock.path);
    const lists = records.flatMap((s) => (s.items === undefined ? [] : [s.items.length]));
    const most = Math.max(0, ...lists);
    for (const item of byIndex) {
      const index = item.index as number;
      const use = { step: mock.path, index, position: item.position, shared: mock.shared };
      if (lists.length > 0 && index < most) {
        uses.push(use);
        continue;
      }
      const unusedBecause =
        lists.length === 0
          ? `the step never ran in this case (${notRun(mock.path, records, whenFalse, record)})`
          : `its forEach had ${itemCount(most)}${lists.length > 1 ? ` at most, in ${lists.length} runs` : ""}`;
      uses.push({ ...use, unusedBecause });
    }
  }
  return uses;
}

function itemCount(n: number): string {
  if (n === 0) return "no items";
  return n === 1 ? "1 item (index 0)" : `${n} items (indexes 0 to ${n - 1})`;
}

/** Why a forEach step never listed its items. */
function notRun(path: string, records: readonly StepRecord[], whenFalse: ReadonlySet<string>, run: RunRecord): string {
  // The step's own `when`, or that of a uses step it runs under (`db` for `db.createDb`).
  const parts = path.split(".");
  const skippedBy = parts.map((_, i) => parts.slice(0, i + 1).join(".")).find((p) => whenFalse.has(p));
  if (skippedBy === path) return "its when was false";
  if (skippedBy !== undefined) return `the when of step "${skippedBy}" was false`;
  const failed = records.find((s) => s.status === "failed");
  if (failed) return `it failed before listing its items: ${failed.error?.message ?? "no message"}`;
  return RUN_ENDED[run.status];
}

const RUN_ENDED: Record<RunRecord["status"], string> = {
  completed: "the run completed without starting it",
  failed: "the run failed before it started",
  canceled: "the run was canceled before it started",
  timedOut: "the run timed out before it started",
  // A case's run always ends; these two are for the record's type.
  running: "the run ended before it started",
  stopped: "the run ended before it started",
};
