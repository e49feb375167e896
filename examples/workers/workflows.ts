/** Workflows behind the examples' workflow-backed (asynchronous) Nexus operations. */
import { sleep } from "@temporalio/workflow";
import type { Invoice, InvoiceRequest } from "./billing-service.js";
import type { RegionCheck, VerifyRolloutInput, VerifyRolloutOutput } from "./change-service.js";

/** BillingService.issueInvoice: totals the lines, "renders" the invoice, and "sends" it. */
export async function issueInvoiceWorkflow(request: InvoiceRequest): Promise<Invoice> {
  await sleep("1s");
  const total = Math.round(request.lines.reduce((sum, line) => sum + line.amount, 0) * 100) / 100;
  return {
    invoiceId: `inv-${request.customerId}-${request.lines.length}`,
    total,
    currency: request.currency,
    sentTo: request.email,
  };
}

/** ChangeService.verifyRollout (TypeScript implementation): watches each region's health for a moment. */
export async function verifyRolloutWorkflow(input: VerifyRolloutInput): Promise<VerifyRolloutOutput> {
  const checks: RegionCheck[] = [];
  for (const region of input.regions) {
    await sleep("300ms");
    checks.push({ region, healthy: true, errorRate: 0.001 * (region.length % 3) });
  }
  return { changeId: input.changeId, healthy: checks.every((c) => c.healthy), checks, servedBy: "typescript" };
}
