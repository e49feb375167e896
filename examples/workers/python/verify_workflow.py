"""The workflow behind ChangeService.verifyRollout in the Python worker."""

import asyncio
from typing import List

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from change_service import RegionCheck, VerifyRolloutInput, VerifyRolloutOutput


@workflow.defn(name="verifyRolloutWorkflow")
class VerifyRolloutWorkflow:
    """Watches each region's health for a moment; a cancelled operation cancels this workflow."""

    @workflow.run
    async def run(self, input: VerifyRolloutInput) -> VerifyRolloutOutput:
        checks: List[RegionCheck] = []
        for region in input["regions"]:
            await asyncio.sleep(0.3)
            checks.append({"region": region, "healthy": True, "errorRate": 0.001 * (len(region) % 3)})
        return {
            "changeId": input["changeId"],
            "healthy": all(c["healthy"] for c in checks),
            "checks": checks,
            "servedBy": "python",
        }
