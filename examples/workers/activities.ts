/**
 * The example activities. Their bodies stand in for real work (a capacity API, a deploy tool, an audit
 * store) with small, deterministic results and short waits, so the examples show realistic data flow
 * and the terminal view has something to watch. Registered under PascalCase type names in main.ts.
 */
import { activityInfo, CancelledFailure, Context, heartbeat, sleep } from "@temporalio/activity";
import { ApplicationFailure } from "@temporalio/common";
import { journal } from "./journal.js";
import { tenantActivities } from "./tenant-activities.js";

/** hello.yaml: the smallest activity. */
export async function greet(input: { name: string }): Promise<{ greeting: string }> {
  return { greeting: `Hello, ${input.name}!` };
}

export interface Customer {
  id: string;
  name: string;
  email: string;
  plan: "starter" | "team" | "enterprise";
  seats: number;
}

/** nexus-chain.yaml: reads a customer record (a fixed directory stands in for a CRM). */
export async function lookupCustomer(input: { customerId: string }): Promise<Customer> {
  await sleep(300);
  const known: Record<string, Omit<Customer, "id">> = {
    "cus-1001": { name: "Ada Lovelace", email: "ada@example.com", plan: "team", seats: 12 },
    "cus-1002": { name: "Grace Hopper", email: "grace@example.com", plan: "enterprise", seats: 250 },
  };
  const customer = known[input.customerId];
  if (!customer) {
    throw ApplicationFailure.nonRetryable(`no customer ${input.customerId}`, "CustomerNotFound");
  }
  return { id: input.customerId, ...customer };
}

export interface Reservation {
  reservationId: string;
  service: string;
  regions: { region: string; slots: number }[];
}

/** ops-runbook.yaml and failure.yaml: reserves deploy capacity in each region. */
export async function reserveCapacity(input: {
  service: string;
  regions: string[];
  changeId?: string;
}): Promise<Reservation> {
  await sleep(400);
  const reservationId = `rsv-${input.service}-${Math.random().toString(36).slice(2, 8)}`;
  const regions = input.regions.map((region) => ({ region, slots: 2 + (region.length % 3) }));
  journal({ handler: "ReserveCapacity", reservationId, regions: input.regions, changeId: input.changeId });
  return { reservationId, service: input.service, regions };
}

/** The compensation of reserveCapacity: gives the capacity back. */
export async function releaseCapacity(input: {
  reservationId: string;
}): Promise<{ reservationId: string; released: true }> {
  await sleep(200);
  journal({ handler: "ReleaseCapacity", reservationId: input.reservationId });
  return { reservationId: input.reservationId, released: true };
}

export interface DeployInput {
  region: string;
  service: string;
  version: string;
  reservationId: string;
}

/**
 * ops-runbook.yaml: rolls a version out to one region, in stages, heartbeating after each; a cancelled
 * run stops it at the next heartbeat. Takes about a second and a half so the view is watchable.
 */
export async function deployRegion(input: DeployInput): Promise<{ region: string; version: string; stages: string[] }> {
  const stages = ["drain", "deploy", "warm", "undrain"];
  const done: string[] = [];
  try {
    for (const stage of stages) {
      heartbeat({ stage });
      await sleep(350 + (input.region.length % 4) * 40);
      done.push(stage);
    }
  } catch (error) {
    if (error instanceof CancelledFailure || Context.current().cancellationSignal.aborted) {
      journal({ handler: "DeployRegion", region: input.region, canceledAfter: done });
    }
    throw error;
  }
  journal({ handler: "DeployRegion", region: input.region, version: input.version });
  return { region: input.region, version: input.version, stages: done };
}

/** The `finally` step of several examples: records how a run ended. */
export async function recordAudit(input: {
  run: string;
  status: string;
  [detail: string]: unknown;
}): Promise<{ auditId: string; recorded: true }> {
  await sleep(150);
  journal({ handler: "RecordAudit", ...input });
  return { auditId: `aud-${input.run.slice(-4)}`, recorded: true };
}

/**
 * failure.yaml: a schema migration that fails for good, with the lower-level error as its cause, so the
 * run shows a cause chain: MigrationFailed ← LockTimeout.
 */
export async function applyMigration(input: { database: string; migration: string }): Promise<never> {
  await sleep(500);
  const cause = ApplicationFailure.create({
    type: "LockTimeout",
    message: `could not lock table "tenants" on ${input.database} within 5s (held by a backup job)`,
    nonRetryable: true,
  });
  throw ApplicationFailure.create({
    type: "MigrationFailed",
    message: `migration ${input.migration} failed on ${input.database}`,
    nonRetryable: true,
    cause,
  });
}

/** ci-automation.yaml: the tables a nightly check covers. */
export async function listTables(input: { database: string }): Promise<{ database: string; tables: string[] }> {
  await sleep(200);
  return { database: input.database, tables: ["tenants", "invoices", "usage_events", "audit_log"] };
}

/** ci-automation.yaml: checks one table's row count and freshness (fixed numbers stand in for a query). */
export async function checkTable(input: {
  database: string;
  table: string;
  maxLagMinutes: number;
}): Promise<{ table: string; rows: number; lagMinutes: number; ok: boolean }> {
  await sleep(300);
  const rows = input.table.length * 1_000 + 7;
  const lagMinutes = input.table.length % 5;
  return { table: input.table, rows, lagMinutes, ok: lagMinutes <= input.maxLagMinutes };
}

/** ci-automation.yaml: publishes the check summary (to stdout of the worker; a real one would post it). */
export async function publishReport(input: {
  title: string;
  checked: number;
  failing: string[];
}): Promise<{ published: true; summary: string }> {
  const summary = `${input.title}: ${input.checked} tables checked, ${input.failing.length} failing`;
  journal({ handler: "PublishReport", summary });
  return { published: true, summary };
}

/**
 * regional-config.yaml: a region's agent applies a setting in its own region. Each region's agent
 * polls its own task queue, `nxrun-examples-<region>`; an agent handed another region's work refuses
 * it (non-retryable), so a routing mistake cannot change the wrong region.
 */
export async function applyRegionConfig(input: {
  region: string;
  setting: string;
}): Promise<{ region: string; setting: string; taskQueue: string }> {
  const { taskQueue } = activityInfo();
  if (taskQueue !== `${REGION_QUEUE_PREFIX}${input.region}`) {
    throw ApplicationFailure.create({
      message: `this agent (task queue ${taskQueue}) serves another region than ${input.region}`,
      type: "WrongRegion",
      nonRetryable: true,
    });
  }
  await sleep(300);
  journal({ handler: "ApplyRegionConfig", region: input.region, setting: input.setting, taskQueue });
  return { region: input.region, setting: input.setting, taskQueue };
}

/** Region agents poll `nxrun-examples-<region>` (examples/workers/main.ts --region). */
export const REGION_QUEUE_PREFIX = "nxrun-examples-";

/** What a region's agent serves. */
export const regionAgentActivities = { ApplyRegionConfig: applyRegionConfig };

/** Every activity the examples call, under the type name the pipelines use. */
export const exampleActivities = {
  Greet: greet,
  LookupCustomer: lookupCustomer,
  ReserveCapacity: reserveCapacity,
  ReleaseCapacity: releaseCapacity,
  DeployRegion: deployRegion,
  RecordAudit: recordAudit,
  ApplyMigration: applyMigration,
  ListTables: listTables,
  CheckTable: checkTable,
  PublishReport: publishReport,
  ...tenantActivities,
};
