import { defineConfig } from "vitest/config";

// Two projects: `unit` needs no server; `e2e` runs against the real dev server and real workers that
// test/support/e2e/global-setup.ts starts (and stops, by process id, also when tests fail).
export default defineConfig({
  test: {
    reporters: ["default", "./test/support/flaky-reporter.ts"],
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.{ts,tsx}"],
          environment: "node",
          // Not a speed limit (speed is measured by npm run bench): property tests and the 10,000-event
          // view test take seconds, more while the e2e project loads the same two cores.
          testTimeout: 30_000,
          // Ink draws only the last frame when it sees CI set (its is-in-ci check); the view's frame
          // tests render for a person's terminal, so the unit project runs as outside CI. Code that
          // reads CI (chooseOutput) is tested with the env passed explicitly.
          env: { CI: "false" },
          // The in-memory server's handlers run on real timers beside the e2e project's load: as there, a
          // test that passes only on its retry is named by test/support/flaky-reporter.ts.
          retry: 1,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          environment: "node",
          globalSetup: ["test/support/e2e/global-setup.ts"],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // One server and two cores: files run one at a time, tests inside a file may run concurrently.
          fileParallelism: false,
          // A real server and real workers on two shared cores: a test that fails once by timing is run
          // again; test/support/flaky-reporter.ts names each that passed only then, and a defect fails
          // both times.
          retry: 1,
        },
      },
    ],
  },
});
