/**
 * The ChangeService contract (see examples/README.md, "The ChangeService contract"): change-management
 * operations that ops-runbook.yaml calls. The Python worker (examples/workers/python/) serves the same
 * contract; a pipeline only sees the endpoint, service, operation names and JSON shapes, so either
 * implementation can stand behind the endpoint.
 */
import * as nexus from "nexus-rpc";

export interface OpenChangeInput {
  service: string;
  version: string;
  regions: string[];
  requestedBy?: string;
}
export interface Change {
  changeId: string;
  url: string;
  service: string;
  version: string;
  regions: string[];
  /** "python" or "typescript": which implementation answered. */
  servedBy: string;
}
export interface VerifyRolloutInput {
  changeId: string;
  regions: string[];
}
export interface RegionCheck {
  region: string;
  healthy: boolean;
  errorRate: number;
}
export interface VerifyRolloutOutput {
  changeId: string;
  healthy: boolean;
  checks: RegionCheck[];
  servedBy: string;
}
export interface CloseChangeInput {
  changeId: string;
  outcome: "completed" | "rolled-back";
  note?: string;
}
export interface ClosedChange {
  changeId: string;
  status: "closed";
  outcome: string;
  servedBy: string;
}

export const changeService = nexus.service("ChangeService", {
  /** Synchronous: opens a change record. */
  openChange: nexus.operation<OpenChangeInput, Change>(),
  /** Workflow-backed (asynchronous, cancellable): watches the regions' health after a rollout. */
  verifyRollout: nexus.operation<VerifyRolloutInput, VerifyRolloutOutput>(),
  /** Synchronous: closes a change record with its outcome. */
  closeChange: nexus.operation<CloseChangeInput, ClosedChange>(),
});
