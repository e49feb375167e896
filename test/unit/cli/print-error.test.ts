import { describe, expect, it } from "vitest";
import { ServerError } from "../../../src/base/user-error.js";
import { printError } from "../../../src/cli/print-error.js";

const SECRET = "sk-live-9f8e7d";

function sink() {
  let text = "";
  return { stream: { write: (chunk: string) => (text += chunk) }, text: () => text };
}

describe("printError", () => {
  it("masks secrets in place and sanitizes a user error's message and hint", () => {
    const out = sink();
    const error = new ServerError(`server said: token ${SECRET} rejected\u001b]52;c;aGk=\u0007`, {
      hint: `check ${SECRET}\u001b[2J`,
    });
    expect(printError(error, [SECRET], out.stream)).toBe(3);
    expect(out.text()).toBe(
      "error: server said: token *** rejected\\u001b]52;c;aGk=\\u0007\nhint: check ***\\u001b[2J\n",
    );
  });

  it("prints a bug with its stack, masked and sanitized, and exits 70", () => {
    const out = sink();
    expect(printError(new Error(`boom ${SECRET}\u202e`), [SECRET], out.stream)).toBe(70);
    expect(out.text()).toContain("internal error");
    expect(out.text()).toContain("Error: boom ***\\u202e");
    expect(out.text()).toMatch(/\n {4}at /);
    expect(out.text()).not.toContain(SECRET);
  });
});
