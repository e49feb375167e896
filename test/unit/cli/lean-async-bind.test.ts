import { AsyncLocalStorage, AsyncResource } from "node:async_hooks";
import { describe, expect, it } from "vitest";
import { installLeanAsyncBind } from "../../../src/cli/lean-async-bind.js";

describe("installLeanAsyncBind", () => {
  const store = new AsyncLocalStorage<string>();
  const resource = store.run("the resource's scope", () => new AsyncResource("test"));
  installLeanAsyncBind();

  it("adds no deprecated asyncResource accessor", () => {
    const bound = resource.bind(() => 1);
    expect(Object.getOwnPropertyDescriptor(bound, "asyncResource")).toBeUndefined();
  });

  it("runs the bound function in the resource's async scope, with the caller's this and its arguments", () => {
    const bound = resource.bind(function (this: unknown, a: number, b: number) {
      return [store.getStore(), this, a, b];
    });
    expect(store.run("the caller's scope", () => bound.call("caller", 1, 2))).toEqual([
      "the resource's scope",
      "caller",
      1,
      2,
    ]);
    expect(bound.length).toBe(2);
  });

  it("binds this when given, as Node's bind does", () => {
    // Node's bind takes a this as its second argument; @types/node declares only the first.
    const withThis = resource as unknown as { bind<F>(fn: F, thisArg: unknown): F };
    const bound = withThis.bind(function (this: unknown, a: number) {
      return [store.getStore(), this, a];
    }, "bound this");
    expect(bound.call("ignored", 5)).toEqual(["the resource's scope", "bound this", 5]);
    expect(bound.length).toBe(1);
  });

  it("throws a TypeError for a non-function, as Node's bind does", () => {
    expect(() => resource.bind(42 as unknown as () => void)).toThrow(TypeError);
  });

  it("is what the static AsyncResource.bind uses", () => {
    const bound = store.run("made here", () => AsyncResource.bind(() => store.getStore()));
    expect(store.run("elsewhere", () => bound())).toBe("made here");
    expect(Object.getOwnPropertyDescriptor(bound, "asyncResource")).toBeUndefined();
  });
});
