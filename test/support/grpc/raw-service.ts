/**
 * grpc-js service definitions whose methods pass bytes through untouched, for local test servers
 * that encode and decode Temporal's messages themselves with @temporalio/proto.
 */
import type { ServiceDefinition } from "@grpc/grpc-js";

const passBytes = (b: Buffer) => b;

/** A unary definition of each of `methods` under the full gRPC service name `service`. */
export function rawService(service: string, methods: readonly string[]): ServiceDefinition {
  return Object.fromEntries(
    methods.map((method) => [
      method,
      {
        path: `/${service}/${method}`,
        requestStream: false,
        responseStream: false,
        requestSerialize: passBytes,
        requestDeserialize: passBytes,
        responseSerialize: passBytes,
        responseDeserialize: passBytes,
      },
    ]),
  );
}
