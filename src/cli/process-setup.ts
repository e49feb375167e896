/**
 * The process-wide settings of the nxrun command, made once by bin/nxrun.js before any command starts
 * and nowhere else: the library (src/index.ts) changes nothing global in a program that embeds it.
 * Set before the CLI's code is loaded, so its V8 code cache is stamped with the flags the run keeps.
 */
import { setFlagsFromString } from "node:v8";
import { installLeanAsyncBind } from "./lean-async-bind.js";

/**
 * How far V8's old generation may grow over what survived its last full collection, percent (V8's own
 * choice goes up to 4x). A large forEach's per-call gRPC objects live as long as the call, so they die
 * in the old generation; bounding its growth keeps a run's memory near its live set
 * (bench/findings.md, "Heap flags at the entry").
 */
const OLD_GROWTH_PERCENT = 100;

/**
 * How much V8's young generation grows each time it fills: 1 keeps it at its starting size. A run's
 * garbage is mostly per-call objects that outlive a young collection anyway, so a young generation
 * grown large holds memory without saving the old generation work (bench/findings.md, "The young
 * generation of a run"). Set before the bundle loads, as V8 grows it while the CLI's code loads.
 */
const YOUNG_GROWTH_FACTOR = 1;

/** Settles the process for `command` (`run` for `nxrun file.yaml`: bin/nxrun.js names it). */
export function setUpProcess(command: string): void {
  installLeanAsyncBind();
  if (command !== "run") return;
  setFlagsFromString(`--heap-growing-percent=${OLD_GROWTH_PERCENT}`);
  setFlagsFromString(`--semi-space-growth-factor=${YOUNG_GROWTH_FACTOR}`);
}
