/**
 * tenant-onboarding.yaml and its shared sub-pipeline shared/provision-db.yaml: a tenant's database,
 * its schema, a per-region health check to poll, and the switch that turns the tenant on. Like the
 * other example activities, stand-ins with small deterministic results.
 */
import { activityInfo, sleep } from "@temporalio/activity";
import { journal } from "./journal.js";

/** shared/provision-db.yaml: creates the tenant's database in its primary region. */
export async function createDatabase(input: {
  tenant: string;
  region: string;
}): Promise<{ database: string; url: string; region: string }> {
  await sleep(300);
  const database = `db-${input.tenant}`;
  journal({ handler: "CreateDatabase", tenant: input.tenant, database, region: input.region });
  return { database, url: `postgres://${database}.${input.region}.example.internal/tenant`, region: input.region };
}

/** The compensation of createDatabase: a run that fails after it leaves no database behind. */
export async function dropDatabase(input: { database: string }): Promise<{ database: string; dropped: true }> {
  await sleep(150);
  journal({ handler: "DropDatabase", database: input.database });
  return { database: input.database, dropped: true };
}

/** shared/provision-db.yaml: brings the new database to a schema version. */
export async function applySchema(input: {
  database: string;
  version: number;
}): Promise<{ database: string; schemaVersion: number; tables: string[] }> {
  await sleep(300);
  journal({ handler: "ApplySchema", database: input.database, version: input.version });
  return { database: input.database, schemaVersion: input.version, tables: ["accounts", "orders", "events"] };
}

/**
 * tenant-onboarding.yaml polls this with `repeat:` until a region serves the tenant. Each check is its
 * own execution, `<run>.waitHealthy.<index>.check-<n>`; the n in its ID says which check this is, so
 * the answer is deterministic without state in the worker: a region turns healthy on check
 * 2 + (length of its name mod 2), i.e. us-east-1 and eu-west-1 on check 3, ap-south-1 on check 2.
 */
export async function checkRegionHealth(input: {
  region: string;
  tenant: string;
}): Promise<{ region: string; healthy: boolean; check: number; errorRate: number }> {
  await sleep(200);
  const check = Number(/\.check-(\d+)$/.exec(activityInfo().activityId)?.[1] ?? 1);
  const healthy = check >= 2 + (input.region.length % 2);
  journal({ handler: "CheckRegionHealth", region: input.region, tenant: input.tenant, check, healthy });
  return { region: input.region, healthy, check, errorRate: healthy ? 0.001 : 0.2 };
}

/** tenant-onboarding.yaml: turns the tenant on once its regions are healthy and traffic settled. */
export async function enableTenant(input: {
  tenant: string;
  database: string;
  regions: string[];
}): Promise<{ tenant: string; enabled: true; regions: string[] }> {
  await sleep(200);
  journal({ handler: "EnableTenant", tenant: input.tenant, database: input.database, regions: input.regions });
  return { tenant: input.tenant, enabled: true, regions: input.regions };
}

/** Under the type names the pipelines use. */
export const tenantActivities = {
  CreateDatabase: createDatabase,
  DropDatabase: dropDatabase,
  ApplySchema: applySchema,
  CheckRegionHealth: checkRegionHealth,
  EnableTenant: enableTenant,
};
