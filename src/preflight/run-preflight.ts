/**
 * `nxrun check --preflight`: asks the server whether what each pipeline needs is there: the
 * namespace (DescribeNamespace), each Nexus endpoint (OperatorService ListNexusEndpoints), and a
 * worker polling each activity task queue and each endpoint's target task queue (DescribeTaskQueue,
 * activity and Nexus task queue types). Problems come back as Diagnostics at the step that needs the
 * thing; a server that cannot be reached or used throws (a UserError with exit code 3).
 */

import { readFileSync } from "node:fs";
import type { SourcePosition } from "../base/source-position.js";
import type { Diagnostic } from "../pipeline/diagnostic.js";
import { Codes } from "../pipeline/diagnostic-codes.js";
import { type InputSources, resolveInputs } from "../pipeline/inputs/resolve.js";
import { payloadProblems } from "../pipeline/known-payloads.js";
import type { Pipeline } from "../pipeline/model.js";
import { YamlFile } from "../pipeline/yaml-source.js";
import { openRpc } from "../temporal/connect.js";
import type { ConnectionOverrides } from "../temporal/connection-config.js";
import { resolveConnection } from "../temporal/connection-config.js";
import { namespaceLimits } from "../temporal/namespace-limits.js";
import { enums, wf } from "../temporal/proto.js";
import type { WorkflowServiceRpc } from "../temporal/rpc.js";
import { type SearchAttributeType, serverTypeName } from "../temporal/search-attributes.js";
import { AuthError, NamespaceNotFoundError, UnimplementedError } from "../temporal/service-errors.js";
import type { ConnectionOptions } from "../temporal/types.js";
import { type NexusEndpointInfo, OperatorService } from "./operator-service.js";
import { computedNeeds, pipelineNeeds, searchAttributeNeeds, type Use } from "./pipeline-needs.js";

type QueueType = "activity" | "nexus";

/** Checks every pipeline against the server its settings (flags, env, pipeline, profile) point at. */
export async function runPreflight(
  pipelines: readonly Pipeline[],
  flags: ConnectionOverrides,
  inputs: InputSources = {},
): Promise<Diagnostic[]> {
  const diagnostics: Diagnostic[] = [];
  for (const pipeline of pipelines) {
    const options = await resolveConnection(flags, pipeline.temporal);
    // -i and --inputs apply to every file checked; with several files, each takes the inputs it declares.
    const pairs =
      pipelines.length > 1
        ? (inputs.pairs ?? []).filter((pair) => pair.slice(0, pair.indexOf("=")) in pipeline.inputs)
        : inputs.pairs;
    const resolved = await resolveInputs(pipeline, {
      ...inputs,
      pairs,
      allowMissing: true,
    });
    if (!resolved.ok) {
      diagnostics.push(...resolved.diagnostics);
      continue;
    }
    const found = await preflightOne(pipeline, options, resolved.values);
    diagnostics.push(...found.sort((a, b) => a.line - b.line || a.column - b.column));
  }
  return diagnostics;
}

async function preflightOne(
  pipeline: Pipeline,
  options: ConnectionOptions,
  inputs: Readonly<Record<string, unknown>>,
): Promise<Diagnostic[]> {
  const rpc = openRpc(options);
  const operator = new OperatorService(options);
  try {
    // Reachability and credentials first: a failure here is exit 3, not a list of diagnostics.
    await rpc.call("GetSystemInfo", wf.GetSystemInfoRequest, wf.GetSystemInfoResponse, {}, { idempotent: true });
    const diagnostics: Diagnostic[] = [];
    const namespaceProblem = await checkNamespace(rpc, pipeline, options);
    if (namespaceProblem) return [namespaceProblem];

    const literal = pipelineNeeds(pipeline);
    const computed = await computedNeeds(pipeline, inputs);
    diagnostics.push(...computed.diagnostics);
    // Inputs over the namespace's payload limit, as the run would refuse them (a codec changes the size).
    if (options.codec === undefined)
      diagnostics.push(
        ...payloadProblems(computed.payloads, await namespaceLimits(rpc)(), { inputs, file: pipeline.file }),
      );
    const needs = {
      taskQueues: mergeUses(literal.taskQueues, computed.taskQueues),
      endpoints: mergeUses(literal.endpoints, computed.endpoints),
    };
    diagnostics.push(...(await checkStandaloneFeatures(rpc, pipeline, options, needs.endpoints)));
    const pollers = new PollerCache(rpc);
    let endpointsUnlisted = false;
    for (const [name, uses] of needs.endpoints) {
      let endpoint: NexusEndpointInfo | undefined;
      try {
        endpoint = await operator.findNexusEndpoint(name);
      } catch (error) {
        if (!(error instanceof AuthError)) throw error;
        // Listing endpoints is an account-level permission in Temporal Cloud; a namespace key may lack it.
        if (!endpointsUnlisted) {
          diagnostics.push(
            at(uses[0] as Use, {
              code: Codes.notChecked,
              severity: "warning",
              message: `Nexus endpoints were not checked: ${error.message}`,
              hint: "listing Nexus endpoints needs permission to read the account's endpoints (OperatorService ListNexusEndpoints)",
            }),
          );
          endpointsUnlisted = true;
        }
        continue;
      }
      if (!endpoint) {
        for (const use of uses) {
          diagnostics.push(
            at(use, {
              code: Codes.endpointNotFound,
              severity: "error",
              message: `step ${use.stepId}: Nexus endpoint "${name}" does not exist on ${options.address}`,
              hint: `create it: temporal operator nexus endpoint create --name ${name} --target-namespace ${options.namespace} --target-task-queue QUEUE (the task queue its handler's worker polls)`,
            }),
          );
        }
        continue;
      }
      const target = endpoint.target;
      if (target.kind !== "worker") continue; // An external target's handlers are not visible from here.
      if ((await pollers.count(target.namespace, target.taskQueue, "nexus")) === 0) {
        for (const use of uses) {
          diagnostics.push(
            at(use, {
              code: Codes.noNexusPollers,
              severity: "error",
              message: `step ${use.stepId}: no worker polls task queue "${target.taskQueue}" (namespace ${target.namespace}), the target of Nexus endpoint "${name}"`,
              hint: `start a worker with the endpoint's Nexus service handlers on task queue "${target.taskQueue}" in namespace "${target.namespace}"`,
            }),
          );
        }
      }
    }
    diagnostics.push(...(await checkSearchAttributes(operator, pipeline, options)));
    for (const [queue, uses] of needs.taskQueues) {
      if ((await pollers.count(options.namespace, queue, "activity")) > 0) continue;
      for (const use of uses) {
        diagnostics.push(
          at(use, {
            code: Codes.noActivityPollers,
            severity: "error",
            message: `step ${use.stepId}: no worker polls activity task queue "${queue}" in namespace ${options.namespace}`,
            hint: `start a worker that registers this step's activity on task queue "${queue}", or fix the step's taskQueue`,
          }),
        );
      }
    }
    return diagnostics;
  } finally {
    operator.close();
    rpc.close();
  }
}

/** Each search attribute a call sets must be registered on the namespace, with the type it is written with. */
async function checkSearchAttributes(
  operator: OperatorService,
  pipeline: Pipeline,
  options: ConnectionOptions,
): Promise<Diagnostic[]> {
  const needs = searchAttributeNeeds(pipeline);
  if (needs.size === 0) return [];
  let registered: Map<string, string>;
  try {
    registered = await operator.searchAttributes(options.namespace);
  } catch (error) {
    if (!(error instanceof AuthError)) throw error;
    const [first] = [...needs.values()];
    return [
      at(first?.[0] as Use, {
        code: Codes.notChecked,
        severity: "warning",
        message: `search attributes were not checked: ${error.message}`,
        hint: "listing search attributes needs permission to read the namespace's settings (OperatorService ListSearchAttributes)",
      }),
    ];
  }
  const diagnostics: Diagnostic[] = [];
  for (const [name, uses] of needs) {
    const type = registered.get(name);
    for (const use of uses) {
      if (type === use.type) continue;
      const serverType = serverTypeName(use.type as SearchAttributeType);
      diagnostics.push(
        at(use, {
          code: Codes.searchAttributeNotRegistered,
          severity: "error",
          message:
            type === undefined
              ? `step ${use.stepId}: search attribute "${name}" is not registered on namespace ${options.namespace}`
              : `step ${use.stepId}: search attribute "${name}" is registered on namespace ${options.namespace} as ${type}, not ${use.type}`,
          hint:
            type === undefined
              ? `register it: temporal operator search-attribute create --namespace ${options.namespace} --name ${name} --type ${serverType}`
              : `write it as { ${type}: ... }, or use another attribute registered as ${use.type}`,
        }),
      );
    }
  }
  return diagnostics;
}

/** A diagnostic for the namespace when the server does not have it; undefined when it does. */
async function checkNamespace(
  rpc: WorkflowServiceRpc,
  pipeline: Pipeline,
  options: ConnectionOptions,
): Promise<Diagnostic | undefined> {
  try {
    await rpc.call(
      "DescribeNamespace",
      wf.DescribeNamespaceRequest,
      wf.DescribeNamespaceResponse,
      { namespace: options.namespace },
      { idempotent: true },
    );
    return undefined;
  } catch (error) {
    if (!(error instanceof NamespaceNotFoundError)) throw error;
    // Point at the pipeline's `temporal.namespace` when that is where the name came from.
    const fromPipeline = pipeline.temporal.namespace === options.namespace;
    const position = fromPipeline ? namespacePosition(pipeline.file) : { file: pipeline.file, line: 0, column: 0 };
    return {
      code: Codes.namespaceNotFound,
      severity: "error",
      message: `namespace "${options.namespace}" does not exist on ${options.address}`,
      hint: fromPipeline
        ? "fix temporal.namespace, or override it with --namespace / TEMPORAL_NAMESPACE"
        : "check --namespace / TEMPORAL_NAMESPACE / the profile's namespace; `temporal operator namespace list` shows the server's",
      file: position.file,
      line: position.line,
      column: position.column,
    };
  }
}

/**
 * A diagnostic for each standalone feature the run needs and the server refuses: standalone activities
 * always (nxrun keeps each run's manifest as one), standalone Nexus operations when a step calls one.
 * A count is the cheapest call the feature gate answers.
 */
async function checkStandaloneFeatures(
  rpc: WorkflowServiceRpc,
  pipeline: Pipeline,
  options: ConnectionOptions,
  endpoints: ReadonlyMap<string, readonly Use[]>,
): Promise<Diagnostic[]> {
  const probe = { namespace: options.namespace };
  const firstNexusUse = [...endpoints.values()][0]?.[0];
  const features = [
    {
      position: { file: pipeline.file, line: 0, column: 0 },
      count: () =>
        rpc.call(
          "CountActivityExecutions",
          wf.CountActivityExecutionsRequest,
          wf.CountActivityExecutionsResponse,
          probe,
          {
            idempotent: true,
          },
        ),
    },
    ...(firstNexusUse === undefined
      ? []
      : [
          {
            position: firstNexusUse.position,
            count: () =>
              rpc.call(
                "CountNexusOperationExecutions",
                wf.CountNexusOperationExecutionsRequest,
                wf.CountNexusOperationExecutionsResponse,
                probe,
                { idempotent: true },
              ),
          },
        ]),
  ];
  const diagnostics: Diagnostic[] = [];
  for (const feature of features) {
    try {
      await feature.count();
    } catch (error) {
      if (!(error instanceof UnimplementedError)) throw error;
      diagnostics.push({
        code: Codes.featureMissing,
        severity: "error",
        message: error.message,
        hint: error.hint,
        file: feature.position.file,
        line: feature.position.line,
        column: feature.position.column,
      });
    }
  }
  return diagnostics;
}

function namespacePosition(file: string): SourcePosition {
  try {
    return new YamlFile(file, readFileSync(file, "utf8")).valuePosition(["temporal", "namespace"]);
  } catch {
    return { file, line: 0, column: 0 };
  }
}

/** DescribeTaskQueue answers, once per (namespace, queue, type). */
class PollerCache {
  private readonly counts = new Map<string, Promise<number>>();
  constructor(private readonly rpc: WorkflowServiceRpc) {}

  count(namespace: string, queue: string, type: QueueType): Promise<number> {
    const key = JSON.stringify([namespace, queue, type]);
    let found = this.counts.get(key);
    if (!found) {
      found = this.rpc
        .call(
          "DescribeTaskQueue",
          wf.DescribeTaskQueueRequest,
          wf.DescribeTaskQueueResponse,
          {
            namespace,
            taskQueue: { name: queue, kind: enums.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
            taskQueueType:
              type === "activity"
                ? enums.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY
                : enums.TaskQueueType.TASK_QUEUE_TYPE_NEXUS,
          },
          { idempotent: true },
        )
        .then((response) => response.pollers.length);
      this.counts.set(key, found);
    }
    return found;
  }
}

function mergeUses(
  a: ReadonlyMap<string, readonly Use[]>,
  b: ReadonlyMap<string, readonly Use[]>,
): Map<string, readonly Use[]> {
  const result = new Map(a);
  for (const [name, uses] of b) result.set(name, [...(result.get(name) ?? []), ...uses]);
  return result;
}

function at(use: Use, d: Pick<Diagnostic, "code" | "severity" | "message" | "hint">): Diagnostic {
  return { ...d, file: use.position.file, line: use.position.line, column: use.position.column };
}
