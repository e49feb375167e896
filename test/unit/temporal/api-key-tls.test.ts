import { describe, expect, it } from "vitest";
import { tlsIsOn } from "../../../src/temporal/api-key-tls.js";

describe("an API key implies TLS", () => {
  it("turns TLS on for an API key when nothing says otherwise", () => {
    expect(tlsIsOn(undefined, "key")).toBe(true);
    expect(tlsIsOn(undefined, undefined)).toBe(false);
    expect(tlsIsOn(undefined, "")).toBe(false);
  });
  it("lets an explicit setting win", () => {
    expect(tlsIsOn(false, "key")).toBe(false);
    expect(tlsIsOn(true, undefined)).toBe(true);
  });
});
