/**
 * The fields of a step that hold expressions, as `nxrun eval --in` names them. Its own file with no
 * imports, because the command table (src/cli/commands.ts) lists them and must load nothing heavy.
 */
export const STEP_FIELDS = [
  "input",
  "args",
  "summary",
  "details",
  "headers",
  "searchAttributes",
  "when",
  "forEach",
  "repeat.until",
  "compensate",
  "confirm",
  "wait",
  "with",
] as const;
export type StepField = (typeof STEP_FIELDS)[number];
