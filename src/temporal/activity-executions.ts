/** Standalone activity executions over WorkflowService (Start/Poll/Describe/…ActivityExecution). */

import { describeCall } from "./describe-call.js";
import { activityDetails } from "./describe-details.js";
import {
  activityStatus,
  closeRequestFields,
  conflictPolicySuffix,
  countResult,
  enumValue,
  newRequestId,
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
  activityOutcomeSlots,
  decodeIncoming,
  describeActivitySlots,
  encodeOutgoing,
  startActivitySlots,
} from "./payload-boundary.js";
import type { PayloadCodec } from "./payload-codec.js";
import { checkInputSize, sizeRefusalOf } from "./payload-size.js";
import { decodePayloads, decodeSingleResult, encodePayload, encodePayloads } from "./payloads.js";
import { enums, type TemporalApi, wf } from "./proto.js";
import { msToDuration } from "./proto-values.js";
import { NotNowRetry } from "./retry-rule.js";
import type { WorkflowServiceRpc } from "./rpc.js";
import { searchAttributesMessage } from "./search-attributes.js";
import type { ServerLimits } from "./server-limits.js";
import type {
  ActivityExecutions,
  AwaitOptions,
  CountResult,
  DescribeOptions,
  ExecutionDescription,
  ExecutionListEntry,
  Outcome,
  RetryPolicyOptions,
  StartActivityOptions,
  Started,
} from "./types.js";

type ActivityOutcome = TemporalApi.api.activity.v1.IActivityExecutionOutcome;

/** A RetryPolicyOptions as the proto message. */
export function retryPolicyMessage(
  retry: RetryPolicyOptions | undefined,
): TemporalApi.api.common.v1.IRetryPolicy | undefined {
  if (!retry) return undefined;
  return {
    initialInterval: msToDuration(retry.initialInterval) ?? null,
    backoffCoefficient: retry.backoffCoefficient ?? null,
    maximumInterval: msToDuration(retry.maximumInterval) ?? null,
    maximumAttempts: retry.maximumAttempts ?? null,
    nonRetryableErrorTypes: retry.nonRetryableErrorTypes ? [...retry.nonRetryableErrorTypes] : [],
  };
}

/** The request StartActivityExecution gets for these options (exported for unit tests). */
export function startActivityRequest(
  namespace: string,
  identity: string,
  options: StartActivityOptions,
  requestId: string,
): TemporalApi.api.workflowservice.v1.IStartActivityExecutionRequest {
  const headers = options.headers ? Object.entries(options.headers) : [];
  return {
    namespace,
    identity,
    requestId,
    activityId: options.id,
    activityType: { name: options.activityType },
    taskQueue: { name: options.taskQueue },
    scheduleToCloseTimeout: msToDuration(options.scheduleToClose) ?? null,
    scheduleToStartTimeout: msToDuration(options.scheduleToStart) ?? null,
    startToCloseTimeout: msToDuration(options.startToClose) ?? null,
    heartbeatTimeout: msToDuration(options.heartbeat) ?? null,
    retryPolicy: retryPolicyMessage(options.retry) ?? null,
    input: options.args.length > 0 ? encodePayloads(options.args) : null,
    idReusePolicy: options.idReusePolicy
      ? enumValue(enums.ActivityIdReusePolicy, "ACTIVITY_ID_REUSE_POLICY_", reusePolicySuffix(options.idReusePolicy))
      : null,
    idConflictPolicy: options.idConflictPolicy
      ? enumValue(
          enums.ActivityIdConflictPolicy,
          "ACTIVITY_ID_CONFLICT_POLICY_",
          conflictPolicySuffix(options.idConflictPolicy),
        )
      : null,
    searchAttributes: searchAttributesMessage(options.searchAttributes),
    header: headers.length > 0 ? { fields: Object.fromEntries(headers.map(([k, v]) => [k, encodePayload(v)])) } : null,
    userMetadata: userMetadata(options.summary, options.details) ?? null,
    priority: options.priority
      ? {
          priorityKey: options.priority.priorityKey ?? null,
          fairnessKey: options.priority.fairnessKey ?? null,
          fairnessWeight: options.priority.fairnessWeight ?? null,
        }
      : null,
  };
}

/** An activity outcome message as an Outcome; undefined while the activity is still open. */
export function activityOutcome(outcome: ActivityOutcome | null | undefined): Outcome | undefined {
  if (!outcome) return undefined;
  if (outcome.failure) {
    const failure = decodeFailure(outcome.failure);
    return { status: failureStatus(failure), failure };
  }
  // A closed activity with a result oneof (possibly empty: the function returned nothing).
  if (outcome.result !== undefined) return { status: "completed", result: decodeSingleResult(outcome.result) };
  return undefined;
}

/**
 * Creates the activity half of a TemporalClient over one RPC channel; payloads pass `codec` when one
 * is given (payload-boundary.ts); a start's encoded input is held to `limits` (server-limits.ts).
 */
export function activityExecutions(
  rpc: WorkflowServiceRpc,
  identity: string,
  limits: () => Promise<ServerLimits>,
  codec?: PayloadCodec,
): ActivityExecutions {
  const namespace = rpc.namespace;
  return {
    kind: "activity",

    async start(options: StartActivityOptions): Promise<Started> {
      // One request ID for every attempt: a retried start is recognized by the server as the same.
      const requestId = options.requestId ?? newRequestId();
      const request = startActivityRequest(namespace, identity, options, requestId);
      // Encoded once, before the first attempt: a retried start sends the very same payloads.
      await encodeOutgoing(codec, startActivitySlots(request), `the input of activity ${options.id}`);
      const of = `activity ${options.id}`;
      const bytes = checkInputSize("activity", request.input?.payloads ?? [], of, await limits());
      return startOnce(requestId, () =>
        rpc.call(
          "StartActivityExecution",
          wf.StartActivityExecutionRequest,
          wf.StartActivityExecutionResponse,
          request,
          {
            idempotent: true,
          },
        ),
      ).catch((error: unknown) => {
        throw sizeRefusalOf(error, of, bytes);
      });
    },

    async awaitOutcome(id: string, runId: string | undefined, options: AwaitOptions = {}): Promise<Outcome> {
      let pinnedRunId = runId ?? "";
      const retry = new NotNowRetry("known", options.onTrouble ? { onTrouble: options.onTrouble } : {});
      for (;;) {
        const response = await pollPatiently(
          retry,
          () =>
            rpc.call(
              "PollActivityExecution",
              wf.PollActivityExecutionRequest,
              wf.PollActivityExecutionResponse,
              { namespace, activityId: id, runId: pinnedRunId },
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
        // The wait's signal stops the codec call too: a codec that hangs holds up no Ctrl-C.
        await decodeIncoming(
          codec,
          activityOutcomeSlots(response.outcome),
          `the outcome of activity ${id}`,
          options.signal,
        );
        const outcome = activityOutcome(response.outcome);
        if (outcome) return outcome;
        // Keep following the run we first saw, even if the ID is reused meanwhile.
        if (response.runId) pinnedRunId = response.runId;
      }
    },

    async describe(id: string, runId?: string, options: DescribeOptions = {}): Promise<ExecutionDescription> {
      const request = {
        namespace,
        activityId: id,
        runId: runId ?? "",
        includeOutcome: true,
        includeLastFailure: true,
        includeHeartbeatDetails: options.heartbeatDetails === true,
        includeInput: options.includeInput === true,
        ...(options.longPollToken ? { longPollToken: options.longPollToken } : {}),
      };
      const response = await describeCall(
        rpc,
        "DescribeActivityExecution",
        wf.DescribeActivityExecutionRequest,
        wf.DescribeActivityExecutionResponse,
        request,
        options,
      );
      await decodeIncoming(codec, describeActivitySlots(response), `the description of activity ${id}`);
      const info = response.info;
      const description: ExecutionDescription = {
        kind: "activity",
        id: info?.activityId || id,
        runId: response.runId || info?.runId || "",
        status: activityStatus(info?.status),
        type: info?.activityType?.name ?? "",
      };
      if (info?.taskQueue) description.taskQueue = info.taskQueue;
      if (info?.attempt) description.attempt = info.attempt;
      setTimes(description, info?.scheduleTime, info?.closeTime);
      if (info?.lastFailure) description.lastFailure = decodeFailure(info.lastFailure);
      description.cancelRequested =
        info?.runState === enums.PendingActivityState.PENDING_ACTIVITY_STATE_CANCEL_REQUESTED ||
        Boolean(info?.canceledReason);
      const outcome = activityOutcome(response.outcome);
      if (outcome) description.outcome = outcome;
      if (options.includeInput && response.input) description.input = decodePayloads(response.input);
      description.details = activityDetails(info);
      if (response.longPollToken?.length) description.longPollToken = response.longPollToken;
      return description;
    },

    async requestCancel(id: string, runId: string | undefined, reason: string): Promise<void> {
      await rpc.call(
        "RequestCancelActivityExecution",
        wf.RequestCancelActivityExecutionRequest,
        wf.RequestCancelActivityExecutionResponse,
        { ...closeRequestFields(namespace, identity, runId, reason), activityId: id },
        { idempotent: true },
      );
    },

    async terminate(id: string, runId: string | undefined, reason: string): Promise<void> {
      await rpc.call(
        "TerminateActivityExecution",
        wf.TerminateActivityExecutionRequest,
        wf.TerminateActivityExecutionResponse,
        { ...closeRequestFields(namespace, identity, runId, reason), activityId: id },
        { idempotent: true },
      );
    },

    list(query?: string, options: { pageSize?: number; signal?: AbortSignal } = {}): AsyncIterable<ExecutionListEntry> {
      return pages(async (nextPageToken) => {
        const page = await rpc.call(
          "ListActivityExecutions",
          wf.ListActivityExecutionsRequest,
          wf.ListActivityExecutionsResponse,
          { namespace, query: query ?? "", pageSize: options.pageSize ?? 0, nextPageToken },
          { idempotent: true, signal: options.signal },
        );
        const items = page.executions.map((e) => {
          const entry: ExecutionListEntry = {
            kind: "activity",
            id: e.activityId ?? "",
            runId: e.runId ?? "",
            status: activityStatus(e.status),
            type: e.activityType?.name ?? "",
          };
          if (e.taskQueue) entry.taskQueue = e.taskQueue;
          setTimes(entry, e.scheduleTime, e.closeTime);
          return entry;
        });
        return { items, nextPageToken: page.nextPageToken };
      });
    },

    async count(query?: string): Promise<CountResult> {
      const response = await rpc.call(
        "CountActivityExecutions",
        wf.CountActivityExecutionsRequest,
        wf.CountActivityExecutionsResponse,
        { namespace, query: query ?? "" },
        { idempotent: true },
      );
      return countResult(response);
    },
  };
}
