import { describe, expect, it } from "vitest";
import { startActivityRequest } from "../../../src/temporal/activity-executions.js";
import { startNexusRequest } from "../../../src/temporal/nexus-operations.js";
import { decodePayload, decodePayloads } from "../../../src/temporal/payloads.js";
import { enums, wf } from "../../../src/temporal/proto.js";

describe("start requests", () => {
  it("carry every activity option, in the proto's units and enums", () => {
    const request = startActivityRequest(
      "ns",
      "me",
      {
        id: "charge-1",
        activityType: "charge",
        taskQueue: "payments",
        args: [{ amount: 5 }, "EUR"],
        scheduleToClose: 90_500,
        startToClose: 10_000,
        scheduleToStart: 1_000,
        heartbeat: 2_000,
        retry: {
          initialInterval: 250,
          backoffCoefficient: 3,
          maximumInterval: 60_000,
          maximumAttempts: 4,
          nonRetryableErrorTypes: ["Fatal"],
        },
        idReusePolicy: "rejectDuplicate",
        idConflictPolicy: "useExisting",
        summary: "charge the card",
        priority: { priorityKey: 2, fairnessKey: "tenant-a", fairnessWeight: 1.5 },
        headers: { trace: { id: "t1" } },
        details: "**deploy** eu",
        searchAttributes: {
          Region: { type: "keyword", value: "eu" },
          Tags: { type: "keywordList", value: ["a", "b"] },
          DeployedAt: { type: "datetime", value: "2026-01-31T12:00:00Z" },
        },
      },
      "req-1",
    );
    // Through the wire, so a field the proto does not know cannot pass unnoticed.
    const m = wf.StartActivityExecutionRequest.decode(wf.StartActivityExecutionRequest.encode(request).finish());
    expect(m).toMatchObject({ namespace: "ns", identity: "me", requestId: "req-1", activityId: "charge-1" });
    expect(m.activityType?.name).toBe("charge");
    expect(m.taskQueue?.name).toBe("payments");
    expect(decodePayloads(m.input)).toEqual([{ amount: 5 }, "EUR"]);
    expect(Number(m.scheduleToCloseTimeout?.seconds)).toBe(90);
    expect(m.scheduleToCloseTimeout?.nanos).toBe(500_000_000);
    expect(Number(m.startToCloseTimeout?.seconds)).toBe(10);
    expect(Number(m.scheduleToStartTimeout?.seconds)).toBe(1);
    expect(Number(m.heartbeatTimeout?.seconds)).toBe(2);
    expect(m.retryPolicy?.initialInterval?.nanos).toBe(250_000_000);
    expect(m.retryPolicy).toMatchObject({
      backoffCoefficient: 3,
      maximumAttempts: 4,
      nonRetryableErrorTypes: ["Fatal"],
    });
    expect(m.idReusePolicy).toBe(enums.ActivityIdReusePolicy.ACTIVITY_ID_REUSE_POLICY_REJECT_DUPLICATE);
    expect(m.idConflictPolicy).toBe(enums.ActivityIdConflictPolicy.ACTIVITY_ID_CONFLICT_POLICY_USE_EXISTING);
    expect(decodePayload(m.userMetadata?.summary)).toBe("charge the card");
    expect(new TextDecoder().decode(m.userMetadata?.summary?.metadata?.encoding ?? undefined)).toBe("json/plain");
    expect(m.priority).toMatchObject({ priorityKey: 2, fairnessKey: "tenant-a", fairnessWeight: 1.5 });
    expect(decodePayload(m.header?.fields?.trace)).toEqual({ id: "t1" });
    expect(decodePayload(m.userMetadata?.details)).toBe("**deploy** eu");
    // Typed as the SDKs type them: json/plain with a `type` the server reads.
    const fields = m.searchAttributes?.indexedFields ?? {};
    const typeOf = (name: string) => new TextDecoder().decode(fields[name]?.metadata?.type ?? undefined);
    expect(Object.keys(fields).sort()).toEqual(["DeployedAt", "Region", "Tags"]);
    expect([typeOf("Region"), typeOf("Tags"), typeOf("DeployedAt")]).toEqual(["Keyword", "KeywordList", "Datetime"]);
    expect(decodePayload(fields.Tags)).toEqual(["a", "b"]);
    expect(decodePayload(fields.DeployedAt)).toBe("2026-01-31T12:00:00Z");
  });

  it("leave unset options unset so the server applies its defaults", () => {
    const request = startActivityRequest("ns", "me", { id: "a", activityType: "t", taskQueue: "q", args: [] }, "r");
    const m = wf.StartActivityExecutionRequest.decode(wf.StartActivityExecutionRequest.encode(request).finish());
    expect(m.input).toBeNull();
    expect(m.retryPolicy).toBeNull();
    expect(m.scheduleToCloseTimeout).toBeNull();
    expect(m.idReusePolicy).toBe(0);
    expect(m.userMetadata).toBeNull();
    expect(m.searchAttributes).toBeNull();
  });

  it("carry every Nexus option; no input is binary/null", () => {
    const request = startNexusRequest(
      "ns",
      "me",
      {
        id: "op-1",
        endpoint: "ep",
        service: "Svc",
        operation: "op",
        scheduleToClose: 30_000,
        startToClose: 5_000,
        scheduleToStart: 2_000,
        idReusePolicy: "allowDuplicateFailedOnly",
        idConflictPolicy: "fail",
        summary: "s",
        headers: { "x-h": "v" },
        searchAttributes: { Attempt: { type: "int", value: 3 } },
      },
      "req-n",
    );
    const m = wf.StartNexusOperationExecutionRequest.decode(
      wf.StartNexusOperationExecutionRequest.encode(request).finish(),
    );
    expect(m).toMatchObject({
      operationId: "op-1",
      endpoint: "ep",
      service: "Svc",
      operation: "op",
      requestId: "req-n",
    });
    expect(new TextDecoder().decode(m.input?.metadata?.encoding ?? undefined)).toBe("binary/null");
    expect(Number(m.scheduleToCloseTimeout?.seconds)).toBe(30);
    expect(Number(m.startToCloseTimeout?.seconds)).toBe(5);
    expect(Number(m.scheduleToStartTimeout?.seconds)).toBe(2);
    expect(m.idReusePolicy).toBe(
      enums.NexusOperationIdReusePolicy.NEXUS_OPERATION_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY,
    );
    expect(m.idConflictPolicy).toBe(enums.NexusOperationIdConflictPolicy.NEXUS_OPERATION_ID_CONFLICT_POLICY_FAIL);
    expect(m.nexusHeader).toEqual({ "x-h": "v" });
    expect(decodePayload(m.searchAttributes?.indexedFields?.Attempt)).toBe(3);
    expect(decodePayload(m.userMetadata?.summary)).toBe("s");
  });
});
