/** Standalone Nexus operation executions over WorkflowService (Start/Poll/Describe/…NexusOperationExecution). */

import { describeCall } from "./describe-call.js";
import { nexusDetails } from "./describe-details.js";
import {
  closeRequestFields,
  conflictPolicySuffix,
  countResult,
  enumValue,
  newRequestId,
  nexusStatus,
  POLL_TIMEOUT_MS,
  pages,
  pollPatiently,
  reusePolicySuffix,
  setTimes,
  startOnce,
  userMetadata,
} from "./execution-common.js";
import { decodeFailure, failureStatus } from "./failure.js";
import {
  decodeIncoming,
  describeNexusSlots,
  encodeOutgoing,
  nexusOutcomeSlots,
  startNexusSlots,
} from "./payload-boundary.js";
import type { PayloadCodec } from "./payload-codec.js";
import { checkInputSize, sizeRefusalOf } from "./payload-size.js";
import { decodePayload, encodePayload } from "./payloads.js";
import { enums, type TemporalApi, wf } from "./proto.js";
import { msToDuration } from "./proto-values.js";
import { NotNowRetry } from "./retry-rule.js";
import type { WorkflowServiceRpc } from "./rpc.js";
import { searchAttributesMessage } from "./search-attributes.js";
import type { ServerLimits } from "./server-limits.js";
import type {
  AwaitOptions,
  CountResult,
  DescribeOptions,
  ExecutionDescription,
  ExecutionListEntry,
  NexusOperations,
  Outcome,
  Started,
  StartNexusOperationOptions,
} from "./types.js";

const STAGE = enums.NexusOperationWaitStage;

/** The request StartNexusOperationExecution gets for these options (exported for unit tests). */
export function startNexusRequest(
  namespace: string,
  identity: string,
  options: StartNexusOperationOptions,
  requestId: string,
): TemporalApi.api.workflowservice.v1.IStartNexusOperationExecutionRequest {
  return {
    namespace,
    identity,
    requestId,
    operationId: options.id,
    endpoint: options.endpoint,
    service: options.service,
    operation: options.operation,
    scheduleToCloseTimeout: msToDuration(options.scheduleToClose) ?? null,
    scheduleToStartTimeout: msToDuration(options.scheduleToStart) ?? null,
    startToCloseTimeout: msToDuration(options.startToClose) ?? null,
    input: encodePayload(options.input),
    idReusePolicy: options.idReusePolicy
      ? enumValue(
          enums.NexusOperationIdReusePolicy,
          "NEXUS_OPERATION_ID_REUSE_POLICY_",
          reusePolicySuffix(options.idReusePolicy),
        )
      : null,
    idConflictPolicy: options.idConflictPolicy
      ? enumValue(
          enums.NexusOperationIdConflictPolicy,
          "NEXUS_OPERATION_ID_CONFLICT_POLICY_",
          conflictPolicySuffix(options.idConflictPolicy),
        )
      : null,
    searchAttributes: searchAttributesMessage(options.searchAttributes),
    nexusHeader: options.headers ? { ...options.headers } : {},
    userMetadata: userMetadata(options.summary, options.details) ?? null,
  };
}

/** A closed operation's result or failure as an Outcome. */
function nexusOutcome(response: {
  result?: TemporalApi.api.common.v1.IPayload | null;
  failure?: TemporalApi.api.failure.v1.IFailure | null;
}): Outcome {
  if (response.failure) {
    const failure = decodeFailure(response.failure);
    return { status: failureStatus(failure), failure };
  }
  return { status: "completed", result: decodePayload(response.result) };
}

/** NEXUS_OPERATION_CANCELLATION_STATE_BACKING_OFF → "backingOff". */
function cancellationState(value: number | null | undefined): string | undefined {
  if (!value) return undefined;
  const name = enums.NexusOperationCancellationState[value]?.replace("NEXUS_OPERATION_CANCELLATION_STATE_", "");
  return name?.toLowerCase().replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/**
 * Creates the Nexus half of a TemporalClient over one RPC channel; payloads pass `codec` when one is
 * given (payload-boundary.ts); a start's encoded input is held to `limits` (server-limits.ts).
 */
export function nexusOperations(
  rpc: WorkflowServiceRpc,
  identity: string,
  limits: () => Promise<ServerLimits>,
  codec?: PayloadCodec,
): NexusOperations {
  const namespace = rpc.namespace;
  return {
    kind: "nexus",

    async start(options: StartNexusOperationOptions): Promise<Started> {
      const requestId = options.requestId ?? newRequestId();
      const request = startNexusRequest(namespace, identity, options, requestId);
      // Encoded once, before the first attempt: a retried start sends the very same payloads.
      await encodeOutgoing(codec, startNexusSlots(request), `the input of Nexus operation ${options.id}`);
      const of = `Nexus operation ${options.id}`;
      const bytes = checkInputSize("nexus", request.input ? [request.input] : [], of, await limits());
      return startOnce(requestId, () =>
        rpc.call(
          "StartNexusOperationExecution",
          wf.StartNexusOperationExecutionRequest,
          wf.StartNexusOperationExecutionResponse,
          request,
          { idempotent: true },
        ),
      ).catch((error: unknown) => {
        throw sizeRefusalOf(error, of, bytes);
      });
    },

    /**
     * Polls for the STARTED stage first when the caller wants to know (an async operation reports it
     * with its token), then for CLOSED. An empty response (the server's long poll ran out) is repeated.
     */
    async awaitOutcome(id: string, runId: string | undefined, options: AwaitOptions = {}): Promise<Outcome> {
      let pinnedRunId = runId ?? "";
      const retry = new NotNowRetry("known", options.onTrouble ? { onTrouble: options.onTrouble } : {});
      let startedReported = options.onStarted === undefined;
      for (;;) {
        const waitStage = startedReported
          ? STAGE.NEXUS_OPERATION_WAIT_STAGE_CLOSED
          : STAGE.NEXUS_OPERATION_WAIT_STAGE_STARTED;
        const response = await pollPatiently(
          retry,
          () =>
            rpc.call(
              "PollNexusOperationExecution",
              wf.PollNexusOperationExecutionRequest,
              wf.PollNexusOperationExecutionResponse,
              { namespace, operationId: id, runId: pinnedRunId, waitStage },
              {
                idempotent: true,
                longPoll: true,
                timeout: POLL_TIMEOUT_MS,
                signal: options.signal,
              },
            ),
          options.signal,
        );
        if (response === undefined) continue;
        if (response.runId) pinnedRunId = response.runId;
        const reached = response.waitStage;
        if (!startedReported && reached !== STAGE.NEXUS_OPERATION_WAIT_STAGE_UNSPECIFIED) {
          startedReported = true;
          // A sync operation closes without ever having a token: it did not "start" asynchronously.
          if (reached === STAGE.NEXUS_OPERATION_WAIT_STAGE_STARTED || response.operationToken) {
            options.onStarted?.(response.operationToken || undefined);
          }
        }
        if (reached === STAGE.NEXUS_OPERATION_WAIT_STAGE_CLOSED) {
          // The wait's signal stops the codec call too: a codec that hangs holds up no Ctrl-C.
          await decodeIncoming(
            codec,
            nexusOutcomeSlots(response),
            `the outcome of Nexus operation ${id}`,
            options.signal,
          );
          return nexusOutcome(response);
        }
      }
    },

    async describe(id: string, runId?: string, options: DescribeOptions = {}): Promise<ExecutionDescription> {
      const request = {
        namespace,
        operationId: id,
        runId: runId ?? "",
        includeOutcome: true,
        ...(options.longPollToken ? { longPollToken: options.longPollToken } : {}),
      };
      const response = await describeCall(
        rpc,
        "DescribeNexusOperationExecution",
        wf.DescribeNexusOperationExecutionRequest,
        wf.DescribeNexusOperationExecutionResponse,
        request,
        options,
      );
      await decodeIncoming(codec, describeNexusSlots(response), `the description of Nexus operation ${id}`);
      const info = response.info;
      const status = nexusStatus(info?.status);
      const description: ExecutionDescription = {
        kind: "nexus",
        id: info?.operationId || id,
        runId: response.runId || info?.runId || "",
        status,
        type: `${info?.endpoint ?? ""}/${info?.service ?? ""}/${info?.operation ?? ""}`,
      };
      if (info?.attempt) description.attempt = info.attempt;
      setTimes(description, info?.scheduleTime, info?.closeTime);
      if (info?.lastAttemptFailure) description.lastFailure = decodeFailure(info.lastAttemptFailure);
      const cancel = cancellationState(info?.cancellationInfo?.state);
      if (cancel) description.cancellationState = cancel;
      if (info?.cancellationInfo) description.cancelRequested = true;
      if (status !== "running" && status !== "paused" && (response.result || response.failure)) {
        description.outcome = nexusOutcome(response);
      }
      description.details = nexusDetails(info);
      if (response.longPollToken?.length) description.longPollToken = response.longPollToken;
      return description;
    },

    async requestCancel(id: string, runId: string | undefined, reason: string): Promise<void> {
      await rpc.call(
        "RequestCancelNexusOperationExecution",
        wf.RequestCancelNexusOperationExecutionRequest,
        wf.RequestCancelNexusOperationExecutionResponse,
        { ...closeRequestFields(namespace, identity, runId, reason), operationId: id },
        { idempotent: true },
      );
    },

    async terminate(id: string, runId: string | undefined, reason: string): Promise<void> {
      await rpc.call(
        "TerminateNexusOperationExecution",
        wf.TerminateNexusOperationExecutionRequest,
        wf.TerminateNexusOperationExecutionResponse,
        { ...closeRequestFields(namespace, identity, runId, reason), operationId: id },
        { idempotent: true },
      );
    },

    list(query?: string, options: { pageSize?: number; signal?: AbortSignal } = {}): AsyncIterable<ExecutionListEntry> {
      return pages(async (nextPageToken) => {
        const page = await rpc.call(
          "ListNexusOperationExecutions",
          wf.ListNexusOperationExecutionsRequest,
          wf.ListNexusOperationExecutionsResponse,
          { namespace, query: query ?? "", pageSize: options.pageSize ?? 0, nextPageToken },
          { idempotent: true, signal: options.signal },
        );
        const items = page.operations.map((o) => {
          const entry: ExecutionListEntry = {
            kind: "nexus",
            id: o.operationId ?? "",
            runId: o.runId ?? "",
            status: nexusStatus(o.status),
            type: `${o.endpoint ?? ""}/${o.service ?? ""}/${o.operation ?? ""}`,
          };
          setTimes(entry, o.scheduleTime, o.closeTime);
          return entry;
        });
        return { items, nextPageToken: page.nextPageToken };
      });
    },

    async count(query?: string): Promise<CountResult> {
      const response = await rpc.call(
        "CountNexusOperationExecutions",
        wf.CountNexusOperationExecutionsRequest,
        wf.CountNexusOperationExecutionsResponse,
        { namespace, query: query ?? "" },
        { idempotent: true },
      );
      return countResult(response);
    },
  };
}
