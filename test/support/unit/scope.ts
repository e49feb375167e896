/** The `Scope` an expression sees, for unit tests of expressions and settings. */
import type { Scope } from "../../../src/pipeline/expr/scope.js";

/** A run's scope with nothing in it yet (no inputs, vars, secrets or steps); `over` gives what a test needs. */
export function testScope(over: Partial<Scope> = {}): Scope {
  return {
    inputs: {},
    vars: {},
    secrets: {},
    steps: {},
    run: { id: "r1", name: "p", startedAt: "2026-01-01T00:00:00Z" },
    ...over,
  };
}
