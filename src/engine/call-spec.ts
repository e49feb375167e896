/** Builds what to start on Temporal for a step, an item, or a compensation, from evaluated values. */
import { computedEntries, resolveCall } from "../pipeline/call-settings.js";
import type { CompiledValue } from "../pipeline/expr/compiled.js";
import type { Scope } from "../pipeline/expr/scope.js";
import type { CallOptions, TemporalStepCall } from "../pipeline/model.js";
import { argsOf, searchAttributesOf } from "../pipeline/value-forms.js";
import type { ExecutionSpec } from "./execution.js";
import type { RunContext } from "./run-context.js";

/**
 * Evaluates the call's computed settings (task queue, endpoint, timeouts, retry, priority: a value
 * of the wrong form throws at its expression), input (or args), summary, details, headers and search
 * attributes (one of the wrong type throws at its expression), and returns the start
 * request for `id`.
 */
export async function buildExecutionSpec(
  ctx: RunContext,
  written: TemporalStepCall,
  writtenOptions: CallOptions,
  scope: Scope,
  id: string,
): Promise<ExecutionSpec> {
  const { call, ...settings } = await resolveCall(written, writtenOptions, (value) => ctx.evaluate(value, scope));
  const options: CallOptions = { ...writtenOptions, ...settings };
  const input = options.input === undefined ? undefined : await ctx.evaluate(options.input, scope);
  const summary = asText(options.summary === undefined ? undefined : await ctx.evaluate(options.summary, scope));
  const details = asText(options.details === undefined ? undefined : await ctx.evaluate(options.details, scope));
  const headers =
    options.headers === undefined
      ? undefined
      : ((await ctx.evaluate(options.headers, scope)) as Record<string, unknown>);
  const writtenAttributes = options.searchAttributes;
  const searchAttributes =
    writtenAttributes === undefined
      ? undefined
      : searchAttributesOf(writtenAttributes, await ctx.evaluate(writtenAttributes, scope));
  const { scheduleToClose, scheduleToStart, startToClose, heartbeat } = options.timeouts;
  const common = {
    id,
    scheduleToClose,
    scheduleToStart,
    startToClose,
    summary,
    details,
    searchAttributes,
  };
  switch (call.kind) {
    case "activity": {
      let args: unknown[];
      if (options.args !== undefined) {
        args = argsOf(options.args, await ctx.evaluate(options.args, scope));
      } else {
        args = input === undefined ? [] : [input];
      }
      return {
        kind: "activity",
        options: {
          ...common,
          activityType: call.activityType,
          taskQueue: call.taskQueue,
          args,
          heartbeat,
          retry: options.retry,
          priority: options.priority,
          headers,
        },
      };
    }
    case "nexus":
      return {
        kind: "nexus",
        options: {
          ...common,
          endpoint: call.endpoint,
          service: call.service,
          operation: call.operation,
          input,
          ...(headers === undefined ? {} : { headers: nexusHeaders(headers) }),
        },
      };
    default: {
      const never: never = call;
      throw new Error(`unknown call ${JSON.stringify(never)}`);
    }
  }
}

/**
 * True when the call's start request reads nothing of its scope: no computed setting, and no
 * expression anywhere in its input, args, summary, details, headers or search attributes. Such a request is the same for every item of
 * a forEach but its ID, so for-each.ts builds it once (withId) instead of once per item.
 */
export function scopeFree(options: CallOptions): boolean {
  return (
    computedEntries(options.computed).length === 0 &&
    literalOnly(options.input) &&
    literalOnly(options.args) &&
    literalOnly(options.summary) &&
    literalOnly(options.details) &&
    literalOnly(options.headers) &&
    literalOnly(options.searchAttributes)
  );
}

/** Summary and details are text: null means none, anything else not a string is sent as its JSON. */
function asText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** Nexus headers are text: a value that is not a string is sent as its JSON. */
function nexusHeaders(headers: Readonly<Record<string, unknown>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name, typeof value === "string" ? value : JSON.stringify(value)]),
  );
}

function literalOnly(value: CompiledValue | undefined): boolean {
  if (value === undefined) return true;
  switch (value.kind) {
    case "literal":
      return true;
    case "expression":
      return false;
    case "object":
      return value.entries.every(([, entry]) => literalOnly(entry));
    case "array":
      return value.items.every(literalOnly);
    default: {
      const never: never = value;
      throw new Error(`unknown compiled value ${JSON.stringify(never)}`);
    }
  }
}

/** The same start request under another execution ID. */
export function withId(spec: ExecutionSpec, id: string): ExecutionSpec {
  return spec.kind === "activity"
    ? { kind: "activity", options: { ...spec.options, id } }
    : { kind: "nexus", options: { ...spec.options, id } };
}
