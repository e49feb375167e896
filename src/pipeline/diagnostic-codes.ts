/**
 * Every diagnostic code nxrun prints, one per kind of mistake: NX1xx for the language (docs/language.md
 * lists them), NX3xx for what the server says about a pipeline (`check --preflight`, docs/connecting.md).
 * Tools match on them, so a code never changes meaning once released; test/unit/pipeline/diagnostic-codes.test.ts
 * keeps them unique and documented.
 */
export const Codes = {
  /** The file cannot be read. */
  fileUnreadable: "NX100",
  /** YAML syntax error. */
  yamlSyntax: "NX101",
  /** The same key twice in one mapping. */
  duplicateKey: "NX102",
  /** The document is empty or not a mapping. */
  notAMapping: "NX103",
  /** The file or a value in it nests deeper than nxrun reads, or a value contains itself. */
  tooDeep: "NX104",
  /** A key the language does not know. */
  unknownKey: "NX110",
  /** A value of the wrong type. */
  wrongType: "NX111",
  /** A required key is missing. */
  missingKey: "NX112",
  /** A value outside a fixed set. */
  notAllowed: "NX113",
  /** A value not in the required format (names, IDs, environment variable names). */
  badFormat: "NX114",
  /** A step is not exactly one of activity, nexus, confirm (or a compensation not one of activity, nexus). */
  stepKind: "NX115",
  /** A number out of range, a string or list too short. */
  outOfRange: "NX116",
  /** An unsupported language version. */
  version: "NX117",
  /** A key that does not apply to this kind of step. */
  notForKind: "NX118",
  /** Any other shape error. */
  schema: "NX119",
  /** An expression that does not compile. */
  exprSyntax: "NX120",
  /** $inputs.x where x is not declared. */
  unknownInput: "NX121",
  /** $vars.x where x is not declared above. */
  unknownVar: "NX122",
  /** $secrets.x where x is not declared. */
  unknownSecret: "NX123",
  /** $steps.x where x is no step. */
  unknownStep: "NX124",
  /** $steps.x where x cannot have run yet here. */
  stepNotUpstream: "NX125",
  /** $item or $index outside forEach. */
  itemOutsideForEach: "NX126",
  /** $run.status outside finally. */
  runStatusOutsideFinally: "NX127",
  /** when/forEach/args written as a literal string. */
  literalString: "NX128",
  /** An expression where only literals are read, or an unknown $variable. */
  exprNotHere: "NX129",
  /** A duration that is malformed or not positive. */
  duration: "NX130",
  /** toleratedFailures that is not a count or a percentage from 0% to 100%. */
  toleratedFailures: "NX131",
  /** An input's default does not match its own schema. */
  inputDefault: "NX132",
  /** An input's schema is not valid JSON Schema. */
  inputSchema: "NX133",
  /** An activity with no task queue anywhere. */
  noTaskQueue: "NX134",
  /** Two steps with the same ID. */
  duplicateStepId: "NX135",
  /** needs names no step, or a step it cannot wait for. */
  badNeeds: "NX136",
  /** A forEach-only key on a step without forEach. */
  forEachOnly: "NX137",
  /** A search attribute's value is not of the type it is written with. */
  searchAttributeValue: "NX138",
  /** repeat.until that is not an expression. */
  repeatUntil: "NX170",
  /** repeat with neither limit nor timeout: it could poll forever. */
  repeatUnbounded: "NX171",
  /** uses names a file that cannot be read. */
  usesFile: "NX175",
  /** Pipelines that use each other in a cycle (a uses b uses a). */
  usesCycle: "NX176",
  /** A with: key the used pipeline does not declare as an input. */
  withUnknownInput: "NX177",
  /** with: on a step without uses. */
  withWithoutUses: "NX178",
  /** A literal with: value that does not match the used pipeline's input schema, or a required input not given. */
  withInvalid: "NX179",
  /** A value known before the run (from inputs, vars and literals) that fails or has the wrong form. */
  valueBeforeRun: "NX180",
  /** A confirm step the run will reach with no terminal to ask on and no --yes. */
  confirmUnanswered: "NX181",
  /** An execution's input (or the run's inputs) known before the run, over the server's payload limit. */
  payloadTooLarge: "NX182",
  /** An execution ID the run would build, over the server's ID length limit. */
  idTooLong: "NX183",
  /** A cycle between steps. */
  cycle: "NX140",
  /** An input given that the pipeline does not declare. */
  unknownInputValue: "NX150",
  /** A required input not given. */
  missingInput: "NX151",
  /** An input value that does not match its schema. */
  invalidInput: "NX152",
  /** An inputs file that cannot be read or parsed, or a malformed -i pair. */
  inputsFile: "NX153",
  /** A field of $steps.<id>, $steps.<id>.error or $run that nxrun does not define (a typo). */
  unknownField: "NX160",

  // NX4xx: test files (`*.test.yaml`, src/testing/load-test-file.ts; docs/testing.md lists them).
  /** The pipeline a test file names cannot be read or has errors. */
  testPipeline: "NX401",
  /** A mock, answer or expectation names a step the pipeline lacks. */
  testUnknownStep: "NX402",
  /** A mock that does not fit its step: a confirm, wait or uses step mocked, items without forEach, checks without repeat, compensate without compensation. */
  testMockKind: "NX403",
  /** A case's inputs, vars or secrets that the pipeline does not declare or whose schema refuses them. */
  testCaseValues: "NX404",
  /** A mock or item with both output and failure, or an item with neither index nor match. */
  testMockShape: "NX405",
  /** Two cases of one file with the same name. */
  testDuplicateCase: "NX406",

  // NX3xx: check --preflight (src/preflight/run-preflight.ts).
  /** The namespace does not exist on the server. */
  namespaceNotFound: "NX301",
  /** A Nexus endpoint the pipeline names does not exist. */
  endpointNotFound: "NX302",
  /** An activity task queue has no worker polling it. */
  noActivityPollers: "NX303",
  /** An endpoint's target task queue has no worker polling it for Nexus tasks. */
  noNexusPollers: "NX304",
  /** A computed call setting (task queue, endpoint, timeout, retry, priority) fails or gives a value of the wrong form. */
  badComputedSetting: "NX305",
  /** The server lacks standalone activities or standalone Nexus operations (or has them off for the namespace). */
  featureMissing: "NX306",
  /** Something could not be checked (permission denied, external endpoint target, a value known only during the run): a warning. */
  notChecked: "NX309",
  /** A search attribute a step sets is not registered on the namespace, or with another type. */
  searchAttributeNotRegistered: "NX307",
} as const;
