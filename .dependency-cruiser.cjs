/**
 * The layer rules of src/ (docs/architecture.md draws them). Lowest first:
 *
 *   base < temporal < pipeline/expr < pipeline < pipeline/inputs, pipeline/plan < engine
 *        < report, runs, preflight, trace < testing < cli;  src/index.ts (the library API) on top
 *
 * A layer may import itself and the layers below it, nothing above and no sibling. `npm run lint`
 * runs `depcruise src test` (tests count as users of a file); a new folder under src/ fails `not-in-a-layer` until it is given a place here.
 */

// The folders each layer may import besides its own (regular expressions on the path).
const layers = [
  { name: "base", path: "^src/base/", mayImport: [] },
  { name: "temporal", path: "^src/temporal/", mayImport: ["^src/base/"] },
  { name: "pipeline/expr", path: "^src/pipeline/expr/", mayImport: ["^src/base/"] },
  // The pipeline's own files (the model, loading, checks): not its sub-folders inputs/ and plan/.
  {
    name: "pipeline",
    path: "^src/pipeline/[^/]+$",
    mayImport: ["^src/base/", "^src/temporal/", "^src/pipeline/expr/"],
  },
  {
    name: "pipeline/inputs",
    path: "^src/pipeline/inputs/",
    mayImport: ["^src/base/", "^src/temporal/", "^src/pipeline/expr/", "^src/pipeline/[^/]+$"],
  },
  {
    name: "pipeline/plan",
    path: "^src/pipeline/plan/",
    mayImport: ["^src/base/", "^src/temporal/", "^src/pipeline/expr/", "^src/pipeline/[^/]+$"],
  },
  { name: "engine", path: "^src/engine/", mayImport: ["^src/base/", "^src/temporal/", "^src/pipeline/"] },
  {
    name: "report",
    path: "^src/report/",
    mayImport: ["^src/base/", "^src/temporal/", "^src/pipeline/", "^src/engine/"],
  },
  { name: "runs", path: "^src/runs/", mayImport: ["^src/base/", "^src/temporal/", "^src/pipeline/", "^src/engine/"] },
  {
    name: "preflight",
    path: "^src/preflight/",
    mayImport: ["^src/base/", "^src/temporal/", "^src/pipeline/", "^src/engine/"],
  },
  // OpenTelemetry tracing of a run: a reporter and the engine's startHeaders hook; only cli loads it.
  {
    name: "trace",
    path: "^src/trace/",
    mayImport: ["^src/base/", "^src/temporal/", "^src/pipeline/", "^src/engine/"],
  },
  {
    name: "testing",
    path: "^src/testing/",
    mayImport: ["^src/base/", "^src/temporal/", "^src/pipeline/", "^src/engine/", "^src/report/"],
  },
  {
    name: "cli",
    path: "^src/cli/",
    mayImport: [
      "^src/testing/",
      "^src/base/",
      "^src/temporal/",
      "^src/pipeline/",
      "^src/engine/",
      "^src/report/",
      "^src/runs/",
      "^src/preflight/",
      "^src/trace/",
    ],
  },
  {
    name: "library API",
    path: "^src/index\\.ts$",
    mayImport: [
      "^src/testing/",
      "^src/base/",
      "^src/temporal/",
      "^src/pipeline/",
      "^src/engine/",
      "^src/report/",
      "^src/runs/",
      "^src/preflight/",
    ],
  },
];

const layerRules = layers.map((layer) => ({
  name: `layer-${layer.name.replace(/[^a-z]+/g, "-")}`,
  comment: `${layer.name} may import only ${layer.mayImport.length ? layer.mayImport.join(", ") : "itself"} (and packages)`,
  severity: "error",
  from: { path: layer.path },
  to: { path: "^src/", pathNot: [layer.path, ...layer.mayImport] },
}));

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "no import cycle among files (type-only and lazy imports count too)",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    ...layerRules,
    {
      name: "not-in-a-layer",
      comment: "every file under src/ belongs to a layer of .dependency-cruiser.cjs",
      severity: "error",
      from: { path: "^src/", pathNot: layers.map((layer) => layer.path) },
      to: {},
    },
    {
      name: "no-orphans",
      comment: "a file under src/ that nothing imports and that imports nothing is dead (knip also checks)",
      severity: "error",
      from: { orphan: true, path: "^src/", pathNot: ["\\.d\\.ts$", "^src/index\\.ts$", "^src/cli/main\\.ts$"] },
      to: {},
    },
    {
      name: "not-to-test",
      comment: "src/ never imports tests or their helpers",
      severity: "error",
      from: { path: "^src/" },
      to: { path: "^(test|bench|scripts|examples)/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default"] },
    reporterOptions: {
      // `npm run graph:layers` (docs/architecture.svg, docs/architecture.md): one box per layer.
      dot: { collapsePattern: "^src/(pipeline/(expr|inputs|plan)|[^/]+)/" },
      archi: { collapsePattern: "^src/(pipeline/(expr|inputs|plan)|[^/]+)/" },
    },
  },
};
