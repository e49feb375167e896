/**
 * An in-memory stand-in for the client layer, for unit tests of the engine's scheduling logic only
 * (end-to-end tests use the real server). It keeps Temporal's ID semantics that the engine relies
 * on: useExisting for running executions, reuse policies for closed ones, cancel requests that the
 * handler may honour or ignore, terminate, and a history of every execution per ID.
 */
import { AlreadyStartedError, NotFoundError } from "../../../src/temporal/grpc-errors.js";
import type { ServerTrouble } from "../../../src/temporal/retry-rule.js";
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
} from "../../../src/temporal/types.js";

export interface HandlerContext {
  id: string;
  /** Aborts when a cancel is requested. */
  signal: AbortSignal;
}

/** An activity (by type) or Nexus operation (by `service/operation`): resolve = completed, throw = failed. */
export type Handler = (input: unknown, ctx: HandlerContext) => Promise<unknown>;

export class CancelledByHandler extends Error {
  override name = "CancelledByHandler";
}

interface FakeExecution {
  kind: ExecutionKind;
  id: string;
  runId: string;
  type: string;
  input: unknown;
  options: StartActivityOptions | StartNexusOperationOptions;
  outcome?: Outcome;
  cancelRequested: boolean;
  cancelReason?: string;
  terminateReason?: string;
  cancel: AbortController;
  waiters: Array<() => void>;
}

let runCounter = 0;

export class FakeTemporal implements TemporalClient {
  readonly address = "fake:7233";
  readonly namespace = "default";
  readonly all: FakeExecution[] = [];
  readonly activities: ExecutionClient<StartActivityOptions>;
  readonly nexus: ExecutionClient<StartNexusOperationOptions>;
  inFlight = 0;
  maxInFlight = 0;
  /** When set, every await is told this trouble at once, and that it ended just before its outcome. */
  awaitTrouble: ServerTrouble | undefined;

  constructor(readonly handlers: Record<string, Handler>) {
    this.activities = this.executionClient<StartActivityOptions>("activity", (o) => ({
      type: o.activityType,
      input: o.args.length === 1 ? o.args[0] : o.args,
    }));
    this.nexus = this.executionClient<StartNexusOperationOptions>("nexus", (o) => ({
      type: `${o.service}/${o.operation}`,
      input: o.input,
    }));
  }

  close(): void {}

  async pollerCount(): Promise<number> {
    return 1;
  }

  onConnectionChange(): () => void {
    return () => {};
  }

  /** Every execution ever started with this ID (a resumed run must not add to a completed one). */
  history(id: string): FakeExecution[] {
    return this.all.filter((e) => e.id === id);
  }

  latest(id: string): FakeExecution | undefined {
    return this.history(id).at(-1);
  }

  /** Completes a running execution from outside (as a worker would). */
  complete(id: string, result: unknown): void {
    const execution = this.latest(id);
    if (execution) this.close_(execution, { status: "completed", result });
  }

  private close_(execution: FakeExecution, outcome: Outcome): void {
    if (execution.outcome) return;
    execution.outcome = outcome;
    this.inFlight--;
    for (const wake of execution.waiters.splice(0)) wake();
  }

  private executionClient<O extends StartActivityOptions | StartNexusOperationOptions>(
    kind: ExecutionKind,
    describeCall: (options: O) => { type: string; input: unknown },
  ): ExecutionClient<O> {
    const find = (id: string, runId?: string) => {
      const found = runId ? this.all.find((e) => e.id === id && e.runId === runId) : this.latest(id);
      if (!found || found.kind !== kind) throw new NotFoundError(`not found: ${id}`, 5, "Describe");
      return found;
    };
    return {
      kind,
      start: async (options: O): Promise<Started> => {
        await Promise.resolve();
        const existing = this.latest(options.id);
        if (existing && !existing.outcome) {
          if (options.idConflictPolicy === "useExisting") return { runId: existing.runId, started: false };
          throw new AlreadyStartedError("running", 6, "Start", { runId: existing.runId });
        }
        if (existing?.outcome) {
          const policy = options.idReusePolicy ?? "allowDuplicate";
          const rejected =
            policy === "rejectDuplicate" ||
            (policy === "allowDuplicateFailedOnly" && existing.outcome.status === "completed");
          if (rejected) throw new AlreadyStartedError("closed", 6, "Start", { runId: existing.runId });
        }
        const { type, input } = describeCall(options);
        const handler = this.handlers[type];
        const execution: FakeExecution = {
          kind,
          id: options.id,
          runId: `run-${++runCounter}`,
          type,
          input,
          options,
          cancelRequested: false,
          cancel: new AbortController(),
          waiters: [],
        };
        this.all.push(execution);
        this.inFlight++;
        this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
        if (!handler) {
          this.close_(execution, {
            status: "failed",
            failure: { message: `no handler for ${type}`, type: "NotFound" },
          });
        } else {
          handler(input, { id: options.id, signal: execution.cancel.signal }).then(
            (result) => this.close_(execution, { status: "completed", result }),
            (error: Error) =>
              this.close_(
                execution,
                error instanceof CancelledByHandler
                  ? { status: "canceled", failure: { message: "canceled", type: "CanceledFailure" } }
                  : { status: "failed", failure: { message: error.message, type: error.name } },
              ),
          );
        }
        return { runId: execution.runId, started: true };
      },
      awaitOutcome: (id: string, runId: string | undefined, options?: AwaitOptions): Promise<Outcome> => {
        const execution = find(id, runId);
        const trouble = this.awaitTrouble;
        if (trouble) options?.onTrouble?.(trouble);
        const settle = (outcome: Outcome, resolve: (o: Outcome) => void) => {
          if (trouble) options?.onTrouble?.(undefined);
          resolve(outcome);
        };
        return new Promise<Outcome>((resolve, reject) => {
          if (execution.outcome) return settle(execution.outcome, resolve);
          const onAbort = () => reject(new Error("aborted"));
          options?.signal?.addEventListener("abort", onAbort, { once: true });
          execution.waiters.push(() => {
            options?.signal?.removeEventListener("abort", onAbort);
            settle(execution.outcome as Outcome, resolve);
          });
        });
      },
      describe: async (id: string, runId?: string, options?: DescribeOptions): Promise<ExecutionDescription> => {
        const execution = find(id, runId);
        if (options?.longPollToken && !execution.outcome) {
          // A long poll: answers at the next change, which here is the close (or the caller giving up).
          await new Promise<void>((resolve) => {
            options.signal?.addEventListener("abort", () => resolve(), { once: true });
            execution.waiters.push(resolve);
          });
        }
        return {
          longPollToken: new Uint8Array([1]),
          details: { state: "started", attempt: 1 },
          kind,
          id,
          runId: execution.runId,
          status: execution.outcome?.status ?? "running",
          type: execution.type,
          cancelRequested: execution.cancelRequested,
          ...(kind === "nexus" && execution.cancelRequested ? { cancellationState: "succeeded" } : {}),
          ...(execution.outcome ? { outcome: execution.outcome } : {}),
        };
      },
      requestCancel: async (id: string, runId: string | undefined, reason: string) => {
        const execution = find(id, runId);
        if (execution.outcome) throw new Error("already closed");
        execution.cancelRequested = true;
        execution.cancelReason = reason;
        execution.cancel.abort();
      },
      terminate: async (id: string, runId: string | undefined, reason: string) => {
        const execution = find(id, runId);
        if (execution.outcome) throw new Error("already closed");
        execution.terminateReason = reason;
        this.close_(execution, { status: "terminated", failure: { message: reason, type: "TerminatedFailure" } });
      },
      list: (): AsyncIterable<ExecutionListEntry> => {
        throw new Error("not used by the engine");
      },
      count: async () => ({ count: this.all.filter((e) => e.kind === kind).length, groups: [] }),
    };
  }
}

/** Resolves after `ms`, or rejects with CancelledByHandler when `signal` aborts (a well-behaved handler). */
export function cancellableSleep<T>(ms: number, signal: AbortSignal, value: T): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve(value), ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(new CancelledByHandler("cancelled"));
      },
      { once: true },
    );
  });
}
