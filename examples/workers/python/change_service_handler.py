"""The Python implementation of the ChangeService contract."""

import json
import os
import re
from datetime import datetime, timezone

import nexusrpc
import nexusrpc.handler
from temporalio import nexus

from change_service import (
    Change,
    ChangeService,
    CloseChangeInput,
    ClosedChange,
    OpenChangeInput,
    VerifyRolloutInput,
    VerifyRolloutOutput,
)
from verify_workflow import VerifyRolloutWorkflow


def journal(entry: dict) -> None:
    """Appends what a handler did to $NXRUN_EXAMPLES_JOURNAL (JSON lines), when it is set; tests read it."""
    path = os.environ.get("NXRUN_EXAMPLES_JOURNAL")
    if not path:
        return
    line = {"at": datetime.now(timezone.utc).isoformat(), "sdk": "python", **entry}
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(line) + "\n")


@nexusrpc.handler.service_handler(service=ChangeService)
class ChangeServiceHandler:
    @nexusrpc.handler.sync_operation
    async def openChange(self, ctx: nexusrpc.handler.StartOperationContext, input: OpenChangeInput) -> Change:
        if not input["regions"]:
            raise nexusrpc.HandlerError("a change needs at least one region", type=nexusrpc.HandlerErrorType.BAD_REQUEST)
        change_id = "CHG-" + re.sub(r"[^0-9a-f]", "", ctx.request_id)[:6].upper()
        journal({"handler": "ChangeService.openChange", "changeId": change_id, "service": input["service"]})
        return {
            "changeId": change_id,
            "url": f"https://changes.example.com/{change_id}",
            "service": input["service"],
            "version": input["version"],
            "regions": input["regions"],
            "servedBy": "python",
        }

    @nexus.workflow_run_operation
    async def verifyRollout(
        self, ctx: nexus.WorkflowRunOperationContext, input: VerifyRolloutInput
    ) -> nexus.WorkflowHandle[VerifyRolloutOutput]:
        return await ctx.start_workflow(
            VerifyRolloutWorkflow.run, input, id=f"verify-{input['changeId']}-{ctx.request_id}"
        )

    @nexusrpc.handler.sync_operation
    async def closeChange(self, ctx: nexusrpc.handler.StartOperationContext, input: CloseChangeInput) -> ClosedChange:
        journal({"handler": "ChangeService.closeChange", "changeId": input["changeId"], "outcome": input["outcome"]})
        return {"changeId": input["changeId"], "status": "closed", "outcome": input["outcome"], "servedBy": "python"}
