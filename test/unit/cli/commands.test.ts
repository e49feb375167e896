import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { main } from "../../../src/cli/main.js";

const valid = resolve(import.meta.dirname, "../../fixtures/valid/provision-tenant.yaml");
const invalidDir = resolve(import.meta.dirname, "../../fixtures/invalid");

let stdout = "";
let stderr = "";
beforeEach(() => {
  stdout = "";
  stderr = "";
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
});
afterEach(() => vi.restoreAllMocks());

const tmp = mkdtempSync(join(tmpdir(), "nxrun-cli-"));
function write(name: string, text: string): string {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
}

describe("nxrun check", () => {
  it("exits 0 on a clean file", async () => {
    expect(await main(["check", valid])).toBe(0);
    expect(stdout).toContain("1 file checked: ok");
  });

  it("reports every diagnostic of every file with code frames and exits 2", async () => {
    const a = join(invalidDir, "unknown-step-key.yaml");
    const b = join(invalidDir, "ref-unknown-input.yaml");
    expect(await main(["check", a, valid, b])).toBe(2);
    expect(stdout).toMatch(/unknown-step-key\.yaml:8:5: error NX110 unknown key "taskQeue" in step "a"/);
    expect(stdout).toContain("> 8 |     taskQeue: q");
    expect(stdout).toContain('hint: did you mean "taskQueue"?');
    expect(stdout).toMatch(/ref-unknown-input\.yaml:10:24: error NX121/);
    expect(stdout).toContain("2 errors in 2 of 3 files");
  });

  it("prints an array of diagnostics with --format json", async () => {
    const a = join(invalidDir, "cycle-needs.yaml");
    expect(await main(["check", "--format", "json", a, valid])).toBe(2);
    const diagnostics = JSON.parse(stdout);
    expect(diagnostics).toEqual([
      expect.objectContaining({ code: "NX140", file: a, line: 8, column: 13, severity: "error" }),
    ]);
  });

  it("prints [] for clean files with --format json", async () => {
    expect(await main(["check", "--format", "json", valid])).toBe(0);
    expect(JSON.parse(stdout)).toEqual([]);
  });
});

describe("nxrun graph", () => {
  it("prints mermaid with dependency edges and the finally box", async () => {
    expect(await main(["graph", valid])).toBe(0);
    expect(stdout).toMatch(/^flowchart TD/);
    expect(stdout).toContain("reserve --> createDb");
    expect(stdout).toContain("createDb --> notify");
    expect(stdout).toContain("subgraph finally");
  });

  it("prints dot", async () => {
    expect(await main(["graph", valid, "--format", "dot"])).toBe(0);
    expect(stdout).toMatch(/^digraph "provision-tenant" \{/);
    expect(stdout).toContain('"reserve" -> "createDb";');
  });

  it("prints diagnostics and exits 2 for a broken file", async () => {
    expect(await main(["graph", join(invalidDir, "cycle-references.yaml")])).toBe(2);
    expect(stderr).toContain("NX140");
  });
});

describe("nxrun eval", () => {
  it("evaluates a bare expression with -i inputs", async () => {
    expect(await main(["eval", "{% $inputs.n * 2 %}", "-i", "n=21"])).toBe(0);
    expect(JSON.parse(stdout)).toBe(42);
  });

  it("evaluates in a step's scope: inputs with defaults, vars computed, mocked upstream steps, first forEach item", async () => {
    const data = write(
      "mocks.json",
      JSON.stringify({ steps: { createDb: { output: { url: "db://x" } }, reserve: { output: { size: 3 } } } }),
    );
    const expr =
      "{ 'region': $item, 'i': $index, 'url': $steps.createDb.output.url, 'db': $vars.dbName, 'regions': $inputs.regions }";
    expect(
      await main(["eval", expr, "--pipeline", valid, "--step", "notify", "--data", data, "-i", "tenant=acme"]),
    ).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      region: "us-east-1",
      i: 0,
      url: "db://x",
      db: "acme-db",
      regions: ["us-east-1"],
    });
  });

  it("rejects reading a step that waits for this one (check: a cycle), naming the place in the expression", async () => {
    expect(await main(["eval", "$steps.notify.output", "--pipeline", valid, "--step", "createDb"])).toBe(2);
    expect(stderr).toContain("<expression>:1:8: error NX140 steps wait for each other in a cycle: createDb → notify");
  });

  it("rejects a step reading its own output with check's code (NX125)", async () => {
    expect(await main(["eval", "$steps.createDb.output", "--pipeline", valid, "--step", "createDb"])).toBe(2);
    expect(stderr).toContain('<expression>:1:8: error NX125 input of step "createDb" uses its own step "createDb"');
  });

  it("rejects $item where check does: in when, even of a forEach step (NX126)", async () => {
    expect(await main(["eval", "$item", "--pipeline", valid, "--step", "notify", "--in", "when"])).toBe(2);
    expect(stderr).toContain('<expression>:1:1: error NX126 $item is used in when of step "notify"');
    stderr = "";
    expect(
      await main(["eval", "$item", "--pipeline", valid, "--step", "notify", "--data", write("m.json", "{}")]),
    ).toBe(0);
  });

  it("an expression with no value prints nothing on stdout and says so on stderr (docs/cli.md), exit 0", async () => {
    expect(await main(["eval", "$inputs.nothing"])).toBe(0);
    expect(stdout).toBe("");
    expect(stderr).toBe("(no value)\n");
  });

  it("-i for a string input keeps the text when its JSON reading does not fit the schema (docs/cli.md)", async () => {
    const file = write(
      "string-input.yaml",
      "nxrun: 1\nname: s\ninputs:\n  who: { type: string }\ndefaults: { taskQueue: q }\nsteps:\n  - id: a\n    activity: echo\n",
    );
    expect(await main(["eval", "$inputs.who", "--pipeline", file, "-i", "who=[1,2]"])).toBe(0);
    expect(JSON.parse(stdout)).toBe("[1,2]");
  });

  it("reads -i as run does: a pair without = is NX153", async () => {
    expect(await main(["eval", "1", "-i", "tenant"])).toBe(2);
    expect(stderr).toContain("NX153");
  });

  it("reports a syntax error with its code and column", async () => {
    expect(await main(["eval", "1 + "])).toBe(2);
    expect(stderr).toMatch(/<expression>:1:\d+: error NX120 expression does not compile/);
  });

  it("suggests the step when --step is misspelled", async () => {
    expect(await main(["eval", "1", "--pipeline", valid, "--step", "notfy"])).toBe(2);
    expect(stderr).toContain('did you mean "notify"?');
  });

  it("never prints a secret's value", async () => {
    process.env.BILLING_TOKEN = "s3cr3t";
    try {
      expect(await main(["eval", "$secrets.billingToken", "--pipeline", valid])).toBe(0);
      expect(stdout).not.toContain("s3cr3t");
    } finally {
      delete process.env.BILLING_TOKEN;
    }
  });
});

describe("nxrun run: secrets", () => {
  const file = () =>
    write(
      "short-secret.yaml",
      `nxrun: 1
name: short-secret
secrets:
  token: { env: NX_UNIT_SHORT_TOKEN }
steps:
  - id: a
    activity: echo
    taskQueue: q
    input: "{% $secrets.token %}"
`,
    );
  afterEach(() => {
    delete process.env.NX_UNIT_SHORT_TOKEN;
  });

  it("refuses a secret shorter than 4 characters before connecting: a clear error and hint, exit 2, no stack", async () => {
    process.env.NX_UNIT_SHORT_TOKEN = "abc";
    expect(await main(["run", file(), "--address", "127.0.0.1:1"])).toBe(2);
    expect(stderr).toMatch(
      /^error: secret shorter than 4 characters: token \(.*short-secret\.yaml:4:3\) from \$NX_UNIT_SHORT_TOKEN\n/,
    );
    expect(stderr).toMatch(/\nhint: nxrun masks every occurrence of a secret/);
    expect(stderr).not.toContain("abc");
    expect(stderr).not.toMatch(/ at /);
  });

  it("masks a read secret in the error main prints", async () => {
    process.env.NX_UNIT_SHORT_TOKEN = "tok-1234";
    // --run-id and --resume disagree: a user error raised after the secrets were read.
    expect(await main(["run", file(), "--run-id", "a-tok-1234", "--resume", "b"])).toBe(2);
    expect(stderr).toContain("error: --run-id a-*** and --resume b name different runs");
  });
});
