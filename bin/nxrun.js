#!/usr/bin/env node
import { setFlagsFromString } from "node:v8";

// Why: a large forEach allocates about 100 KiB of short-lived gRPC/HTTP2 objects per item, and with
// V8's default heap growth (up to 4x the live set) a 10,000-item run peaked near 190 MiB while its
// live heap stayed under 40 MiB. --optimize-for-size makes V8 collect the old generation sooner;
// measured in bench/RESULTS.md (B4): peak RSS about 40% lower at the same speed and CPU. Set before
// nxrun's modules load; it changes only when V8 collects garbage, never what the program does.
setFlagsFromString("--optimize-for-size");

const { main } = await import("../dist/src/cli/main.js");
main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
