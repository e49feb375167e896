import { describe, expect, it } from "vitest";
import { offeredRunIds } from "../../../../src/cli/completion/run-ids.js";
import { splitShellWords } from "../../../../src/cli/completion/shell-words.js";

describe("run IDs offered on TAB", () => {
  const hostile = [
    "x-$(touch pwned)",
    "x-`id`",
    "x-a b",
    "x-'quoted'",
    'x-"quoted"',
    "x-a;rm -rf ~",
    "x-\u001b]0;title\u0007",
    "x-\u202eevil",
    "x-line\nnext",
    "x-tab\tdescription",
    "x-glob*",
    "x-~home",
    "x-a|b",
    "x-a&b",
    "x-a>b",
    "x-\\",
  ];
  const plain = ["x-2026-12-07T19-00-00Z-ab12", "x-deploy.prod@2", "x-名前-1"];

  it("offers only IDs a shell reads back as themselves, one word, nothing run", () => {
    const offered = offeredRunIds([...hostile, ...plain], "x-");
    expect(offered).toEqual(plain);
    for (const id of offered) expect(splitShellWords(id).current).toBe(id);
  });

  it("offers those that start with what was typed", () => {
    expect(offeredRunIds(plain, "x-2")).toEqual([plain[0]]);
  });
});
