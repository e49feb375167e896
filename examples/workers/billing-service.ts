/** BillingService (nexus-chain.yaml): a synchronous `quote` and a workflow-backed `issueInvoice`. */
import { startWorkflow, WorkflowRunOperationHandler } from "@temporalio/nexus";
import * as nexus from "nexus-rpc";
import { issueInvoiceWorkflow } from "./workflows.js";

export interface QuoteInput {
  plan: "starter" | "team" | "enterprise";
  seats: number;
}
export interface Quote {
  plan: string;
  seats: number;
  unitPrice: number;
  amount: number;
  currency: "EUR";
}
export interface InvoiceRequest {
  customerId: string;
  email: string;
  currency: string;
  lines: { description: string; amount: number }[];
}
export interface Invoice {
  invoiceId: string;
  total: number;
  currency: string;
  sentTo: string;
}

export const billingService = nexus.service("BillingService", {
  quote: nexus.operation<QuoteInput, Quote>(),
  issueInvoice: nexus.operation<InvoiceRequest, Invoice>(),
});

const UNIT_PRICE: Record<QuoteInput["plan"], number> = { starter: 0, team: 9.5, enterprise: 7.25 };

export const billingServiceHandler = nexus.serviceHandler(billingService, {
  async quote(_ctx, input) {
    const unitPrice = UNIT_PRICE[input.plan];
    if (unitPrice === undefined) {
      throw new nexus.HandlerError("BAD_REQUEST", `unknown plan "${input.plan}"; expected starter, team or enterprise`);
    }
    return { plan: input.plan, seats: input.seats, unitPrice, amount: unitPrice * input.seats, currency: "EUR" };
  },
  issueInvoice: new WorkflowRunOperationHandler<InvoiceRequest, Invoice>(async (ctx, input) =>
    startWorkflow(ctx, issueInvoiceWorkflow, {
      workflowId: `invoice-${input.customerId}-${ctx.requestId}`,
      args: [input],
    }),
  ),
});
