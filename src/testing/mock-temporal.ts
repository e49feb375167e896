/**
 * The client layer's contract (src/temporal/types.ts) kept in memory, for `nxrun test`: no server,
 * no network, no worker. It keeps the Temporal semantics the engine relies on, the one copy of them
 * (the unit tests' stand-in, test/support/unit/fake-temporal.ts, extends this class): an ID conflict
 * policy for running executions (useExisting reuses, otherwise refused), a reuse policy for closed
 * ones, every execution per ID kept (addressed by run ID or the latest), describe of an unknown ID
 * is NotFound, terminate closes it. Here a cancel request closes a running execution as cancelled (a
 * worker that honours it), and what an execution returns comes from `respond` (the case's mocks),
 * after the virtual time the mock says; wait markers stay scheduled until cancelled, as on a server
 * where no worker polls their queue.
 */

import type { Clock } from "../engine/clock.js";
import { WAIT_MARKER_TYPE } from "../engine/wait.js";
import { DEFAULT_SERVER_LIMITS, type ServerLimits } from "../temporal/server-limits.js";
import { AlreadyStartedError, NotFoundError } from "../temporal/service-errors.js";
import type {
  AwaitOptions,
  DescribeOptions,
  ExecutionClient,
  ExecutionDescription,
  ExecutionKind,
  ExecutionListEntry,
  Outcome,
  StartActivityOptions,
  Started,
  StartNexusOperationOptions,
  TemporalClient,
} from "../temporal/types.js";

/** One start request as the double saw it. */
export interface ExecutionCall {
  readonly kind: ExecutionKind;
  readonly id: string;
  /** Activity type, or `service/operation`. */
  readonly type: string;
  /** The single input (an activity's one argument; its argument list when it has several). */
  readonly input: unknown;
}

/** What a started execution does: end with `outcome` after `afterMs` of virtual time. */
export interface Response {
  readonly outcome: Outcome;
  readonly afterMs: number;
}

/** One execution the double started, as it keeps it. */
export interface MockExecution extends ExecutionCall {
  readonly runId: string;
  readonly options: StartActivityOptions | StartNexusOperationOptions;
  readonly startTime: Date;
  outcome?: Outcome;
  closeTime?: Date;
  cancelRequested: boolean;
  cancelReason?: string;
  terminateReason?: string;
  readonly waiters: Array<() => void>;
  stopTimer?: () => void;
}

const STARTED_ELSEWHERE = 6; // gRPC ALREADY_EXISTS
const NOT_FOUND = 5;

export class MockTemporal implements TemporalClient {
  readonly address: string = "nxrun-test (in memory)";
  readonly namespace: string = "test";
  readonly encodesPayloads = false;
  readonly activities: ExecutionClient<StartActivityOptions>;
  readonly nexus: ExecutionClient<StartNexusOperationOptions>;
  /** Every execution started, in start order (several per ID when one was started again). */
  readonly all: MockExecution[] = [];
  /** `all` by ID: a run of thousands of executions (a long repeat) looks each up without scanning. */
  private readonly byId = new Map<string, MockExecution[]>();
  private runs = 0;

  constructor(
    protected readonly clock: Clock,
    private readonly respond: (call: ExecutionCall) => Promise<Response>,
    private readonly runIdPrefix = "mock-run",
  ) {
    this.activities = this.executions<StartActivityOptions>("activity", (o) => ({
      type: o.activityType,
      input: o.args.length === 0 ? null : o.args.length === 1 ? o.args[0] : [...o.args],
    }));
    this.nexus = this.executions<StartNexusOperationOptions>("nexus", (o) => ({
      type: `${o.service}/${o.operation}`,
      input: o.input ?? null,
    }));
  }

  async pollerCount(): Promise<number> {
    return 1;
  }

  /** A server with the default limits (server-limits.ts). */
  async serverLimits(): Promise<ServerLimits> {
    return DEFAULT_SERVER_LIMITS;
  }

  onConnectionChange(): () => void {
    return () => {};
  }

  close(): void {}

  /** Every execution ever started with this ID. */
  history(id: string): MockExecution[] {
    return [...(this.byId.get(id) ?? [])];
  }

  latest(id: string): MockExecution | undefined {
    return this.byId.get(id)?.at(-1);
  }

  /** What a started execution does until it closes: here, the case's mock answers it. */
  protected async run(execution: MockExecution): Promise<void> {
    // A wait's marker is never executed: it stays scheduled until the wait cancels it.
    if (execution.type === WAIT_MARKER_TYPE) return;
    const response = await this.respond(execution);
    if (response.afterMs <= 0) this.closeWith(execution, response.outcome);
    else execution.stopTimer = this.clock.setTimer(() => this.closeWith(execution, response.outcome), response.afterMs);
  }

  /** A cancel request reached a running execution: here its worker honours it at once. */
  protected cancelRequested(execution: MockExecution, reason: string): void {
    this.closeWith(execution, {
      status: "canceled",
      failure: { message: reason, kind: "canceled", type: "CanceledFailure" },
    });
  }

  /** Resolves with the execution's outcome once it has one; rejects when `options.signal` aborts first. */
  protected awaitOutcome(execution: MockExecution, options?: AwaitOptions): Promise<Outcome> {
    return new Promise<Outcome>((resolve, reject) => {
      if (execution.outcome) return resolve(execution.outcome);
      const onAbort = () => reject(new Error("stopped awaiting"));
      options?.signal?.addEventListener("abort", onAbort, { once: true });
      execution.waiters.push(() => {
        options?.signal?.removeEventListener("abort", onAbort);
        resolve(execution.outcome as Outcome);
      });
    });
  }

  /** Closes a running execution (a second close is ignored, as the server keeps the first). */
  protected closeWith(execution: MockExecution, outcome: Outcome): void {
    if (execution.outcome) return;
    execution.stopTimer?.();
    execution.outcome = outcome;
    execution.closeTime = new Date(this.clock.now());
    for (const wake of execution.waiters.splice(0)) wake();
  }

  private find(kind: ExecutionKind, id: string, runId: string | undefined, method: string): MockExecution {
    const found = runId ? this.byId.get(id)?.find((e) => e.runId === runId) : this.latest(id);
    if (!found || found.kind !== kind) throw new NotFoundError(`execution not found: ${id}`, NOT_FOUND, method);
    return found;
  }

  private async start(
    kind: ExecutionKind,
    options: StartActivityOptions | StartNexusOperationOptions,
    call: { type: string; input: unknown },
  ): Promise<Started> {
    // A start is a call to the server: never answered within the caller's turn.
    await Promise.resolve();
    const existing = this.latest(options.id);
    if (existing && !existing.outcome) {
      if (options.idConflictPolicy === "useExisting") return { runId: existing.runId, started: false };
      throw new AlreadyStartedError("already running", STARTED_ELSEWHERE, "Start", { runId: existing.runId });
    }
    if (existing?.outcome) {
      const policy = options.idReusePolicy ?? "allowDuplicate";
      const refused =
        policy === "rejectDuplicate" ||
        (policy === "allowDuplicateFailedOnly" && existing.outcome.status === "completed");
      if (refused)
        throw new AlreadyStartedError("already closed", STARTED_ELSEWHERE, "Start", { runId: existing.runId });
    }
    const execution: MockExecution = {
      kind,
      id: options.id,
      runId: `${this.runIdPrefix}-${++this.runs}`,
      ...call,
      options,
      startTime: new Date(this.clock.now()),
      cancelRequested: false,
      waiters: [],
    };
    this.all.push(execution);
    const sameId = this.byId.get(execution.id);
    if (sameId) sameId.push(execution);
    else this.byId.set(execution.id, [execution]);
    await this.run(execution);
    return { runId: execution.runId, started: true };
  }

  private async describe(
    kind: ExecutionKind,
    execution: MockExecution,
    options?: DescribeOptions,
  ): Promise<ExecutionDescription> {
    if (options?.longPollToken && !execution.outcome) {
      // A long poll answers at the next change, which here is the close (or the caller giving up).
      await new Promise<void>((resolve) => {
        options.signal?.addEventListener("abort", () => resolve(), { once: true });
        execution.waiters.push(resolve);
      });
    }
    return {
      kind,
      id: execution.id,
      runId: execution.runId,
      status: execution.outcome?.status ?? "running",
      type: execution.type,
      startTime: execution.startTime,
      ...(execution.closeTime ? { closeTime: execution.closeTime } : {}),
      cancelRequested: execution.cancelRequested,
      ...(kind === "nexus" && execution.cancelRequested ? { cancellationState: "succeeded" } : {}),
      ...(execution.outcome ? { outcome: execution.outcome } : {}),
      input: [execution.input],
      details: { state: execution.outcome ? "closed" : "started", attempt: 1 },
      longPollToken: new Uint8Array([1]),
    };
  }

  private executions<O extends StartActivityOptions | StartNexusOperationOptions>(
    kind: ExecutionKind,
    call: (options: O) => { type: string; input: unknown },
  ): ExecutionClient<O> {
    const running = (id: string, runId: string | undefined, method: string) => {
      const execution = this.find(kind, id, runId, method);
      if (execution.outcome) throw new NotFoundError(`execution already closed: ${id}`, NOT_FOUND, method);
      return execution;
    };
    return {
      kind,
      start: (options: O) => this.start(kind, options, call(options)),
      awaitOutcome: async (id, runId, options) => this.awaitOutcome(this.find(kind, id, runId, "Poll"), options),
      describe: (id, runId, options) => this.describe(kind, this.find(kind, id, runId, "Describe"), options),
      requestCancel: async (id, runId, reason) => {
        const execution = running(id, runId, "RequestCancel");
        execution.cancelRequested = true;
        execution.cancelReason = reason;
        this.cancelRequested(execution, reason);
      },
      terminate: async (id, runId, reason) => {
        const execution = running(id, runId, "Terminate");
        execution.terminateReason = reason;
        this.closeWith(execution, {
          status: "terminated",
          failure: { message: reason, kind: "terminated", type: "TerminatedFailure" },
        });
      },
      list: (): AsyncIterable<ExecutionListEntry> => ({
        async *[Symbol.asyncIterator]() {},
      }),
      count: async () => ({ count: this.all.filter((e) => e.kind === kind).length, groups: [] }),
    };
  }
}
