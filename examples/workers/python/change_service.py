"""The ChangeService contract, as Python types (see examples/README.md, "The ChangeService contract").

The TypeScript worker serves the same contract (examples/workers/change-service.ts). What makes them
interchangeable is only this: the service and operation names, and the JSON shapes below. The field
names are camelCase because they are the JSON contract's names, shared with the TypeScript side; a
TypedDict keeps them as they are on the wire.
"""

from typing import List, Literal, TypedDict

import nexusrpc


class _OpenChangeOptional(TypedDict, total=False):
    requestedBy: str


class OpenChangeInput(_OpenChangeOptional):
    service: str
    version: str
    regions: List[str]


class Change(TypedDict):
    changeId: str
    url: str
    service: str
    version: str
    regions: List[str]
    servedBy: str  # "python" or "typescript": which implementation answered


class VerifyRolloutInput(TypedDict):
    changeId: str
    regions: List[str]


class RegionCheck(TypedDict):
    region: str
    healthy: bool
    errorRate: float


class VerifyRolloutOutput(TypedDict):
    changeId: str
    healthy: bool
    checks: List[RegionCheck]
    servedBy: str


class _CloseChangeOptional(TypedDict, total=False):
    note: str


class CloseChangeInput(_CloseChangeOptional):
    changeId: str
    outcome: Literal["completed", "rolled-back"]


class ClosedChange(TypedDict):
    changeId: str
    status: Literal["closed"]
    outcome: str
    servedBy: str


@nexusrpc.service(name="ChangeService")
class ChangeService:
    # Synchronous: opens a change record.
    openChange: nexusrpc.Operation[OpenChangeInput, Change]
    # Workflow-backed (asynchronous, cancellable): watches the regions' health after a rollout.
    verifyRollout: nexusrpc.Operation[VerifyRolloutInput, VerifyRolloutOutput]
    # Synchronous: closes a change record with its outcome.
    closeChange: nexusrpc.Operation[CloseChangeInput, ClosedChange]
