/** The TypeScript implementation of the ChangeService contract (the Python worker serves the same one). */
import { startWorkflow, WorkflowRunOperationHandler } from "@temporalio/nexus";
import * as nexus from "nexus-rpc";
import {
  type Change,
  type ClosedChange,
  changeService,
  type VerifyRolloutInput,
  type VerifyRolloutOutput,
} from "./change-service.js";
import { journal } from "./journal.js";
import { verifyRolloutWorkflow } from "./workflows.js";

export const changeServiceHandler = nexus.serviceHandler(changeService, {
  async openChange(ctx, input): Promise<Change> {
    if (input.regions.length === 0) throw new nexus.HandlerError("BAD_REQUEST", "a change needs at least one region");
    const changeId = `CHG-${ctx.requestId
      .replace(/[^0-9a-f]/g, "")
      .slice(0, 6)
      .toUpperCase()}`;
    journal({ handler: "ChangeService.openChange", changeId, service: input.service });
    return {
      changeId,
      url: `https://changes.example.com/${changeId}`,
      service: input.service,
      version: input.version,
      regions: input.regions,
      servedBy: "typescript",
    };
  },
  verifyRollout: new WorkflowRunOperationHandler<VerifyRolloutInput, VerifyRolloutOutput>(async (ctx, input) =>
    startWorkflow(ctx, verifyRolloutWorkflow, {
      workflowId: `verify-${input.changeId}-${ctx.requestId}`,
      args: [input],
    }),
  ),
  async closeChange(_ctx, input): Promise<ClosedChange> {
    journal({ handler: "ChangeService.closeChange", changeId: input.changeId, outcome: input.outcome });
    return { changeId: input.changeId, status: "closed", outcome: input.outcome, servedBy: "typescript" };
  },
});
