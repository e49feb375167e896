/**
 * nxrun's JUnit files against the JUnit format the Jenkins xunit plugin accepts (its junit-10.xsd),
 * as test/fixtures/junit/junit-jenkins.xsd states it, validated by xmllint: a finished run with
 * failures, an interrupted one (skipped cases), and hostile text.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { RunRecord } from "../../../src/engine/events.js";
import { junitXml } from "../../../src/report/junit.js";
import { failingRun } from "../../support/unit/sequence.js";

const XSD = join(import.meta.dirname, "..", "..", "fixtures", "junit", "junit-jenkins.xsd");
const dir = mkdtempSync(join(tmpdir(), "nxrun-junit-xsd-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** xmllint's verdict on `xml`: its exit code and what it said. */
function xmllint(xml: string, name: string): { code: number | null; said: string } {
  const file = join(dir, `${name}.xml`);
  writeFileSync(file, xml);
  const result = spawnSync("xmllint", ["--noout", "--schema", XSD, file], { encoding: "utf8" });
  if (result.error)
    throw new Error(`xmllint is needed (Debian: libxml2-utils; .ci/run installs it): ${result.error.message}`);
  return { code: result.status, said: `${result.stdout}${result.stderr}` };
}

describe("JUnit files against the Jenkins/xunit JUnit schema", () => {
  it("xmllint is there", () => {
    expect(
      execFileSync("xmllint", ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }),
    ).toBeDefined();
  });

  it("a failed run, an interrupted run and hostile text all validate", () => {
    const failed = failingRun({});
    const interrupted: RunRecord = {
      ...failingRun({}),
      status: "canceled",
      steps: failingRun({}).steps.map((step, i) =>
        i === 0 ? { ...step, status: "running" } : { ...step, status: "skipped" },
      ),
    };
    const nasty = "<a b='c'>&\"\u0000\u0007]]>\ud800";
    const hostile = failingRun({});
    hostile.steps[3] = { ...hostile.steps[3]!, id: nasty, error: { message: nasty, type: nasty } };
    for (const [name, record] of Object.entries({ failed, interrupted, hostile })) {
      const verdict = xmllint(junitXml(record), name);
      expect(verdict.code, `${name}: ${verdict.said}`).toBe(0);
    }
  });

  it("the schema refuses what the Jenkins schema refuses (skipped on <testsuites>)", () => {
    const xml = junitXml(failingRun({})).replace("<testsuites ", '<testsuites skipped="1" ');
    const verdict = xmllint(xml, "refused");
    expect(verdict.code).not.toBe(0);
    expect(verdict.said).toMatch(/skipped.*not allowed/);
  });
});
