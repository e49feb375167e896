/**
 * The pipeline as written, after schema validation: the plain shapes specs/pipeline.schema.json
 * allows. The model builder turns these into the typed model of model.ts.
 */

export interface RawTimeouts {
  scheduleToClose?: string;
  scheduleToStart?: string;
  startToClose?: string;
  heartbeat?: string;
}

/** A string in a number's place is an expression (the schema allows nothing else). */
export interface RawRetry {
  initialInterval?: string;
  backoffCoefficient?: number | string;
  maximumInterval?: string;
  maximumAttempts?: number | string;
  nonRetryableErrorTypes?: string[] | string;
}

export interface RawPriority {
  priorityKey?: number | string;
  fairnessKey?: string;
  fairnessWeight?: number | string;
}

export interface RawNexusCall {
  endpoint: string;
  service: string;
  operation: string;
}

export interface RawCompensation {
  activity?: string;
  nexus?: RawNexusCall;
  input?: unknown;
  args?: unknown[] | string;
  taskQueue?: string;
  timeouts?: RawTimeouts;
  retry?: RawRetry;
  priority?: RawPriority;
  summary?: string;
  searchAttributes?: RawSearchAttributes;
  headers?: Record<string, unknown>;
  details?: string;
}

/** `searchAttributes:` by name, each value under the one key naming its type (the schema allows one). */
export type RawSearchAttributes = Record<string, Record<string, unknown>>;

export interface RawRepeat {
  until: string;
  every: string;
  limit?: number;
  timeout?: string;
}

export interface RawStep extends RawCompensation {
  id: string;
  confirm?: string;
  wait?: string;
  uses?: string;
  with?: Record<string, unknown>;
  needs?: string[];
  cancellation?: "abandon" | "tryCancel" | "waitRequested" | "waitCompleted";
  when?: boolean | string;
  forEach?: unknown[] | string;
  concurrency?: number;
  toleratedFailures?: number | string;
  onError?: "fail" | "continue";
  repeat?: RawRepeat;
  compensate?: RawCompensation;
}

export interface RawPipeline {
  nxrun: 1;
  name: string;
  description?: string;
  temporal?: { address?: string; namespace?: string; profile?: string; uiUrl?: string };
  inputs?: Record<string, Record<string, unknown>>;
  secrets?: Record<string, { env: string }>;
  vars?: Record<string, unknown>;
  defaults?: {
    taskQueue?: string;
    timeouts?: RawTimeouts;
    retry?: RawRetry;
    cancellation?: RawStep["cancellation"];
    priority?: RawPriority;
    searchAttributes?: RawSearchAttributes;
    headers?: Record<string, unknown>;
    details?: string;
  };
  timeout?: string;
  concurrency?: number;
  steps: RawStep[];
  finally?: RawStep[];
  outputs?: Record<string, unknown>;
}
