/** What a pipeline needs from the server: the task queues its activities use and the Nexus endpoints it names. */
import type { SourcePosition } from "../base/source-position.js";
import type { Pipeline, StepCall } from "../pipeline/model.js";

/** One use of a task queue or endpoint, for a diagnostic at the step (or compensation) that uses it. */
export interface Use {
  readonly stepId: string;
  readonly position: SourcePosition;
}

export interface PipelineNeeds {
  /** Activity task queue → the steps that use it, in file order. */
  readonly taskQueues: ReadonlyMap<string, readonly Use[]>;
  /** Nexus endpoint name → the steps that use it, in file order. */
  readonly endpoints: ReadonlyMap<string, readonly Use[]>;
}

/** Collects every task queue and endpoint of the pipeline's steps, finally steps and compensations. */
export function pipelineNeeds(pipeline: Pipeline): PipelineNeeds {
  const taskQueues = new Map<string, Use[]>();
  const endpoints = new Map<string, Use[]>();
  const add = (call: StepCall, use: Use) => {
    switch (call.kind) {
      case "activity":
        if (call.taskQueue === "") break; // computed: see computedNeeds
        taskQueues.set(call.taskQueue, [...(taskQueues.get(call.taskQueue) ?? []), use]);
        break;
      case "nexus":
        if (call.endpoint === "") break;
        endpoints.set(call.endpoint, [...(endpoints.get(call.endpoint) ?? []), use]);
        break;
      case "confirm":
      case "wait":
        break;
      default: {
        const never: never = call;
        throw new Error(`unknown step call ${JSON.stringify(never)}`);
      }
    }
  };
  for (const step of [...pipeline.steps, ...pipeline.finally]) {
    add(step.call, { stepId: step.id, position: step.position });
    if (step.compensate)
      add(step.compensate.call, { stepId: `${step.id} (compensate)`, position: step.compensate.position });
  }
  return { taskQueues, endpoints };
}
