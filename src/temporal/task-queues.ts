/** DescribeTaskQueue: how many workers poll a task queue for activity or Nexus tasks. */
import { enums, wf } from "./proto.js";
import type { WorkflowServiceRpc } from "./rpc.js";
import type { ExecutionKind } from "./types.js";

export async function pollerCount(rpc: WorkflowServiceRpc, queue: string, type: ExecutionKind): Promise<number> {
  const response = await rpc.call(
    "DescribeTaskQueue",
    wf.DescribeTaskQueueRequest,
    wf.DescribeTaskQueueResponse,
    {
      namespace: rpc.namespace,
      taskQueue: { name: queue, kind: enums.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      taskQueueType:
        type === "activity" ? enums.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY : enums.TaskQueueType.TASK_QUEUE_TYPE_NEXUS,
    },
    { idempotent: true },
  );
  return response.pollers.length;
}
