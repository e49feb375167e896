import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  annotation,
  annotationPath,
  escapeData,
  escapeProperty,
  inGithubActions,
} from "../../../src/base/github-workflow-commands.js";
import { parseWorkflowCommand } from "../../support/github/workflow-commands.js";

describe("GitHub workflow commands", () => {
  it("escapes the message as GitHub documents: %, CR, LF", () => {
    expect(escapeData("100% done\r\nnext: a, b")).toBe("100%25 done%0D%0Anext: a, b");
  });

  it("escapes properties also for : and ,", () => {
    expect(escapeProperty("dir,x/a:b.yaml 50%\n")).toBe("dir%2Cx/a%3Ab.yaml 50%25%0A");
  });

  it("writes the properties in GitHub's order and leaves out the missing ones", () => {
    expect(annotation("error", "bad", { title: "NX110", line: 3, file: "p.yaml", col: 5 })).toBe(
      "::error file=p.yaml,line=3,col=5,title=NX110::bad",
    );
    expect(annotation("warning", "no place")).toBe("::warning::no place");
  });

  it("round-trips any message and property through the runner's parser", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), (message, file, title) => {
        const parsed = parseWorkflowCommand(annotation("error", message, { file, line: 7, title }));
        expect(parsed?.command).toBe("error");
        expect(parsed?.message).toBe(message);
        expect(parsed?.properties.line).toBe("7");
        if (file !== "") expect(parsed?.properties.file).toBe(file);
        if (title !== "") expect(parsed?.properties.title).toBe(title);
      }),
      { numRuns: 500 },
    );
  });

  it("names files relative to GITHUB_WORKSPACE, with / separators", () => {
    expect(annotationPath("/repo/pipelines/a.yaml", { GITHUB_WORKSPACE: "/repo" }, "/repo/pipelines")).toBe(
      "pipelines/a.yaml",
    );
    expect(annotationPath("a.yaml", {}, "/repo")).toBe("a.yaml");
    expect(annotationPath("/elsewhere/a.yaml", { GITHUB_WORKSPACE: "/repo" }, "/repo")).toBe("/elsewhere/a.yaml");
  });

  it("is on only when GITHUB_ACTIONS is exactly true", () => {
    expect(inGithubActions({ GITHUB_ACTIONS: "true" })).toBe(true);
    expect(inGithubActions({ GITHUB_ACTIONS: "false" })).toBe(false);
    expect(inGithubActions({})).toBe(false);
  });
});
