/** What the global setup started, as the end-to-end tests see it (through vitest's inject). */
export interface TestStack {
  /** host:port of the real dev server. */
  address: string;
  namespace: string;
  /** Served by the test worker (test/workers/): activities, workflows and the TestService Nexus service. */
  taskQueue: string;
  /** Nexus endpoint targeting `taskQueue`. */
  endpoint: string;
  /** A task queue nobody polls, and an endpoint targeting it. */
  idleTaskQueue: string;
  idleEndpoint: string;
  /** Where the test worker records what its handlers saw (see test/workers/record.ts). */
  recordsDir: string;
  workerScript: string;
  serverPid: number;
}

declare module "vitest" {
  export interface ProvidedContext {
    nxrun: TestStack;
  }
}
