import { describe, expect, it } from "vitest";
import { maskSecrets, secretNeedles } from "../../../src/base/mask-secrets.js";
import { redact } from "../../../src/report/redact.js";

const TRICKY = 'pa"ss\\wo\nrd12';

describe("masking a secret's escaped forms", () => {
  it("masks the JSON-escaped form of a secret holding a quote, a backslash and a newline", () => {
    const quoted = JSON.stringify({ t: TRICKY });
    expect(quoted).toBe('{"t":"pa\\"ss\\\\wo\\nrd12"}');
    expect(maskSecrets(`worker said ${quoted}`, [TRICKY])).toBe('worker said {"t":"***"}');
    // The raw form still is masked, the text around it kept.
    expect(maskSecrets(`raw ${TRICKY} end`, [TRICKY])).toBe("raw *** end");
  });

  it("masks the forms Python (non-ASCII as \\u) and Go (<, >, & as \\u) write", () => {
    const secret = "pässwörd<&>x";
    const python = '"p\\u00e4ssw\\u00f6rd<&>x"';
    const go = '"pässwörd\\u003c\\u0026\\u003ex"';
    const both = '"p\\u00e4ssw\\u00f6rd\\u003c\\u0026\\u003ex"';
    for (const form of [python, go, both]) expect(maskSecrets(`v=${form}`, [secret])).toBe('v="***"');
    // A character outside the BMP is escaped as its surrogate pair.
    expect(maskSecrets('"\\ud83d\\udd11key1"', ["🔑key1"])).toBe('"***"');
  });

  it("masks the escaped form inside a nested value (redact), and adds no form for a plain secret", () => {
    expect(redact({ message: `bad ${JSON.stringify(TRICKY)}` }, [TRICKY])).toEqual({ message: 'bad "***"' });
    expect(secretNeedles(["plainsecret", "plainsecret", ""])).toEqual(["plainsecret"]);
  });
});
