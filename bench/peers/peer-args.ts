/** The command line every peer shares: where the server is, how many executions, how many at once. */
import { parseArgs } from "node:util";

export interface PeerArgs {
  address: string;
  namespace: string;
  kind: "activity" | "nexus";
  count: number;
  concurrency: number;
  taskQueue: string;
  endpoint: string;
  /** Unique per process so repeated runs never collide on an execution ID. */
  idPrefix: string;
}

/** Parses `--address --kind --count --concurrency --task-queue --endpoint`. */
export function peerArgs(argv: string[] = process.argv.slice(2)): PeerArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      address: { type: "string", default: "127.0.0.1:7233" },
      namespace: { type: "string", default: "default" },
      kind: { type: "string", default: "activity" },
      count: { type: "string", default: "50" },
      concurrency: { type: "string", default: "1" },
      "task-queue": { type: "string", default: "nxrun-bench" },
      endpoint: { type: "string", default: "nxrun-bench" },
    },
  });
  if (values.kind !== "activity" && values.kind !== "nexus")
    throw new Error(`--kind activity|nexus, got ${values.kind}`);
  return {
    address: values.address,
    namespace: values.namespace,
    kind: values.kind,
    count: Number(values.count),
    concurrency: Number(values.concurrency),
    taskQueue: values["task-queue"],
    endpoint: values.endpoint,
    idPrefix: `peer-${process.pid}-${Date.now().toString(36)}`,
  };
}

/** Prints the peer's own measurement (the bench times the whole process; this is for reading logs). */
export function reportDone(args: PeerArgs, startedAt: number): void {
  const ms = performance.now() - startedAt;
  process.stdout.write(
    `${JSON.stringify({ kind: args.kind, count: args.count, concurrency: args.concurrency, ms: Math.round(ms), perSecond: Math.round((args.count / ms) * 1000) })}\n`,
  );
}
