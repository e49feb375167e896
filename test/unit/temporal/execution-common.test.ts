import { describe, expect, it } from "vitest";
import { pages, startOnce } from "../../../src/temporal/execution-common.js";
import { AlreadyStartedError } from "../../../src/temporal/service-errors.js";

describe("pages", () => {
  it("follows next-page tokens until an empty one, fetching lazily", async () => {
    const tokens: string[] = [];
    const book: Record<string, { items: number[]; next: string }> = {
      "": { items: [1, 2], next: "b" },
      b: { items: [], next: "c" },
      c: { items: [3], next: "" },
    };
    const iterable = pages(async (token) => {
      const key = Buffer.from(token).toString();
      tokens.push(key);
      const page = book[key] as { items: number[]; next: string };
      return { items: page.items, nextPageToken: Buffer.from(page.next) };
    });
    const seen: number[] = [];
    for await (const item of iterable) {
      seen.push(item);
      if (item === 1) expect(tokens).toEqual([""]);
    }
    expect(seen).toEqual([1, 2, 3]);
    expect(tokens).toEqual(["", "b", "c"]);
  });
});

describe("startOnce", () => {
  const conflict = (startRequestId: string) =>
    new AlreadyStartedError("already started", 6, "Start", { runId: "run-1", startRequestId });

  it("counts an AlreadyStarted naming our own request ID as our start", async () => {
    await expect(
      startOnce("req-1", async () => {
        throw conflict("req-1");
      }),
    ).resolves.toEqual({ runId: "run-1", started: true });
  });

  it("passes on an AlreadyStarted from someone else's start", async () => {
    await expect(
      startOnce("req-1", async () => {
        throw conflict("req-2");
      }),
    ).rejects.toBeInstanceOf(AlreadyStartedError);
  });
});
