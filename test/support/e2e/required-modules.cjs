// Preloaded with `node --require` by test/e2e/run/trace.test.ts: says on stderr, when the process
// exits, which @opentelemetry packages it required (the CLI bundle require()s them from node_modules).
const Module = require("node:module");
const seen = new Set();
const load = Module._load;
Module._load = function (request, ...rest) {
  const match = /^@opentelemetry\/[^/]+/.exec(request);
  if (match) seen.add(match[0]);
  return load.call(this, request, ...rest);
};
process.on("exit", () => process.stderr.write(`required: ${[...seen].sort().join(" ")}\n`));
