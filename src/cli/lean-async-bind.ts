/**
 * AsyncResource.prototype.bind without Node 20's deprecated `asyncResource` accessor, installed by
 * the CLI's entry (src/cli/process-setup.ts), never by the library. Node's http2 binds one resource per
 * request, and that accessor, made by util.deprecate for every bound function, is a cost of every gRPC
 * call (bench/findings.md, "Unary calls without the Client layer"). Nothing nxrun runs reads it; the
 * bound function still runs in the resource's async scope, with the same `this` and length.
 *
 * Installed only where bind does define that accessor: a Node without it keeps its own bind.
 */
import { AsyncResource } from "node:async_hooks";

let checked = false;

/** Whether this Node's bind adds the deprecated accessor (read once, on a throwaway resource). */
function bindAddsAccessor(): boolean {
  const bound = new AsyncResource("nxrun-probe").bind(() => {});
  return Object.getOwnPropertyDescriptor(bound, "asyncResource") !== undefined;
}

/** Replaces AsyncResource.prototype.bind, once per process, where Node's own adds the accessor. */
export function installLeanAsyncBind(): void {
  if (checked) return;
  checked = true;
  if (!bindAddsAccessor()) return;
  // biome-ignore lint/suspicious/noExplicitAny: the signature of Node's own bind, which is generic over any function.
  type AnyFunction = (this: unknown, ...args: any[]) => unknown;
  AsyncResource.prototype.bind = function bind<Func extends AnyFunction>(
    this: AsyncResource,
    fn: Func,
    thisArg?: unknown,
  ): Func {
    if (typeof fn !== "function") throw new TypeError('The "fn" argument must be of type function');
    const resource = this;
    const bound =
      thisArg === undefined
        ? function (this: unknown, ...args: unknown[]) {
            return resource.runInAsyncScope(fn, this, ...args);
          }
        : (...args: unknown[]) => resource.runInAsyncScope(fn, thisArg, ...args);
    Object.defineProperty(bound, "length", {
      configurable: true,
      enumerable: false,
      value: fn.length,
      writable: false,
    });
    return bound as Func;
  };
}
