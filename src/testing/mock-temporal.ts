/**
 * The client layer's contract (src/temporal/types.ts) kept in memory, for `nxrun test`: no server,
 * no network, no worker. It keeps the Temporal semantics the engine relies on: one execution per ID
 * (a running one is reused, a completed one refused as a duplicate and read back), describe of an
 * unknown ID is NotFound, a cancel request closes a running execution as cancelled (a worker that
 * honours it), terminate closes it. What an execution returns comes from `respond` (the case's
 * mocks), after the virtual time the mock says; wait markers stay scheduled until cancelled, as on a
 * server where no worker polls their queue.
 */
import { WAIT_MARKER_TYPE } from "../engine/wait.js";
import { AlreadyStartedError, NotFoundError } from "../temporal/grpc-errors.js";
import type {
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
import type { VirtualClock } from "./virtual-clock.js";

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

interface Execution {
  readonly kind: ExecutionKind;
  readonly id: string;
  readonly runId: string;
  readonly type: string;
  readonly input: unknown;
  readonly startTime: Date;
  outcome?: Outcome;
  closeTime?: Date;
  cancelRequested: boolean;
  readonly waiters: Array<() => void>;
  stopTimer?: () => void;
}

const STARTED_ELSEWHERE = 6; // gRPC ALREADY_EXISTS
const NOT_FOUND = 5;

export class MockTemporal implements TemporalClient {
  readonly address = "nxrun-test (in memory)";
  readonly namespace = "test";
  readonly activities: ExecutionClient<StartActivityOptions>;
  readonly nexus: ExecutionClient<StartNexusOperationOptions>;
  private readonly byId = new Map<string, Execution>();
  private runs = 0;

  constructor(
    private readonly clock: VirtualClock,
    private readonly respond: (call: ExecutionCall) => Promise<Response>,
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

  onConnectionChange(): () => void {
    return () => {};
  }

  close(): void {}

  private closeWith(execution: Execution, outcome: Outcome): void {
    if (execution.outcome) return;
    execution.stopTimer?.();
    execution.outcome = outcome;
    execution.closeTime = new Date(this.clock.now());
    for (const wake of execution.waiters.splice(0)) wake();
  }

  private find(kind: ExecutionKind, id: string, method: string): Execution {
    const found = this.byId.get(id);
    if (!found || found.kind !== kind) throw new NotFoundError(`execution not found: ${id}`, NOT_FOUND, method);
    return found;
  }

  private executions<O extends StartActivityOptions | StartNexusOperationOptions>(
    kind: ExecutionKind,
    call: (options: O) => { type: string; input: unknown },
  ): ExecutionClient<O> {
    const describe = (execution: Execution): ExecutionDescription => ({
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
    });
    return {
      kind,
      start: async (options: O): Promise<Started> => {
        const existing = this.byId.get(options.id);
        if (existing && !existing.outcome) return { runId: existing.runId, started: false };
        if (existing?.outcome?.status === "completed")
          throw new AlreadyStartedError("already completed", STARTED_ELSEWHERE, "Start", { runId: existing.runId });
        const { type, input } = call(options);
        const execution: Execution = {
          kind,
          id: options.id,
          runId: `mock-run-${++this.runs}`,
          type,
          input,
          startTime: new Date(this.clock.now()),
          cancelRequested: false,
          waiters: [],
        };
        this.byId.set(options.id, execution);
        // A wait's marker is never executed: it stays scheduled until the wait cancels it.
        if (type !== WAIT_MARKER_TYPE) {
          const response = await this.respond({ kind, id: options.id, type, input });
          if (response.afterMs <= 0) this.closeWith(execution, response.outcome);
          else
            execution.stopTimer = this.clock.setTimer(
              () => this.closeWith(execution, response.outcome),
              response.afterMs,
            );
        }
        return { runId: execution.runId, started: true };
      },
      awaitOutcome: (id, _runId, options) => {
        const execution = this.find(kind, id, "Poll");
        return new Promise<Outcome>((resolve, reject) => {
          if (execution.outcome) return resolve(execution.outcome);
          const onAbort = () => reject(new Error("stopped awaiting"));
          options?.signal?.addEventListener("abort", onAbort, { once: true });
          execution.waiters.push(() => {
            options?.signal?.removeEventListener("abort", onAbort);
            resolve(execution.outcome as Outcome);
          });
        });
      },
      describe: async (id) => describe(this.find(kind, id, "Describe")),
      requestCancel: async (id, _runId, reason) => {
        const execution = this.find(kind, id, "RequestCancel");
        if (execution.outcome) throw new NotFoundError(`execution already closed: ${id}`, NOT_FOUND, "RequestCancel");
        execution.cancelRequested = true;
        this.closeWith(execution, {
          status: "canceled",
          failure: { message: reason, kind: "canceled", type: "CanceledFailure" },
        });
      },
      terminate: async (id, _runId, reason) => {
        const execution = this.find(kind, id, "Terminate");
        if (execution.outcome) throw new NotFoundError(`execution already closed: ${id}`, NOT_FOUND, "Terminate");
        this.closeWith(execution, {
          status: "terminated",
          failure: { message: reason, kind: "terminated", type: "TerminatedFailure" },
        });
      },
      list: (): AsyncIterable<ExecutionListEntry> => ({
        async *[Symbol.asyncIterator]() {},
      }),
      count: async () => ({ count: [...this.byId.values()].filter((e) => e.kind === kind).length, groups: [] }),
    };
  }
}
