/** The options of `nxrun run`, as commander hands them to src/cli/run.ts. */
import type { ConnectionOverrides } from "../temporal/connection-config.js";

export interface RunFlags extends ConnectionOverrides {
  input?: string[];
  inputs?: string;
  runId?: string;
  resume?: string;
  yes?: boolean;
  dryRun?: boolean;
  concurrency?: number;
  describeRate?: number;
  output?: "tui" | "plain" | "json";
  report?: string;
  junit?: string;
  summary?: string;
  compensate?: boolean;
  /** `--from`, repeatable: rerun these steps and what is downstream (with --resume). */
  from?: string[];
  allowChanged?: boolean;
  takeover?: boolean;
  uiUrl?: string;
  /** `--trace`: export the run as an OpenTelemetry trace (src/cli/trace-switch.ts). */
  trace?: boolean;
  /** `--allow-outside`: uses: may read files outside the pipeline's directory. */
  allowOutside?: boolean;
}
