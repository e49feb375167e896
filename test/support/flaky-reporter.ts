// Names every test that failed and then passed on its retry (vitest.config.ts gives the e2e project
// one), so a flaky test is seen in CI's output instead of hidden by the retry.
import type { Reporter, TestCase } from "vitest/node";

export default class FlakyReporter implements Reporter {
  private readonly flaky: string[] = [];

  onTestCaseResult(testCase: TestCase): void {
    if (testCase.diagnostic()?.flaky) this.flaky.push(`${testCase.module.relativeModuleId} > ${testCase.fullName}`);
  }

  onTestRunEnd(): void {
    if (this.flaky.length === 0) return;
    const lines = this.flaky.map((name) => `  ${name}`).join("\n");
    process.stdout.write(`\nflaky: ${this.flaky.length} passed only on their retry:\n${lines}\n`);
  }
}
