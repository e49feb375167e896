"""The traced Python test worker: Python SDK's OpenTelemetry TracingInterceptor, exporting over OTLP/HTTP.

    python traced_worker.py --address H:P [--namespace N] --task-queue Q

Serves two activities (pyEcho returns its input, pyFail fails for good) and a Nexus service PyTraced
with one sync operation (hello). temporalio.contrib.opentelemetry reads the caller's trace context from
an activity's `_tracer-data` header and a Nexus operation's `traceparent` header, so its spans nest
under nxrun's step spans (test/e2e/run/trace.test.ts). The exporter is configured the standard way:
OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME. Prints "worker ready on Q" once polling; on
SIGINT/SIGTERM it stops and flushes its spans.
"""

import argparse
import asyncio
import signal

import nexusrpc.handler
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from temporalio import activity
from temporalio.client import Client
from temporalio.contrib.opentelemetry import TracingInterceptor
from temporalio.exceptions import ApplicationError
from temporalio.worker import Worker


@activity.defn(name="pyEcho")
async def py_echo(input: dict) -> dict:
    return input


@activity.defn(name="pyFail")
async def py_fail(input: dict) -> None:
    raise ApplicationError(str(input.get("message", "pyFail failed")), type="PyTestFailure", non_retryable=True)


@nexusrpc.handler.service_handler(name="PyTraced")
class PyTracedHandler:
    @nexusrpc.handler.sync_operation
    async def hello(self, ctx: nexusrpc.handler.StartOperationContext, input: dict) -> dict:
        return {"greeting": f"hello {input.get('name', '')}", "servedBy": "python"}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--address", required=True)
    parser.add_argument("--namespace", default="default")
    parser.add_argument("--task-queue", required=True)
    args = parser.parse_args()
    # Resource.create reads OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES; the exporter, the endpoint.
    # A short batch delay: the test reads the spans back soon after each run.
    provider = TracerProvider(resource=Resource.create())
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(), schedule_delay_millis=200))
    client = await Client.connect(args.address, namespace=args.namespace)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        async with Worker(
            client,
            task_queue=args.task_queue,
            activities=[py_echo, py_fail],
            nexus_service_handlers=[PyTracedHandler()],
            interceptors=[TracingInterceptor(provider.get_tracer("nxrun-python-test-worker"))],
        ):
            print(f"worker ready on {args.task_queue}", flush=True)
            await stop.wait()
    finally:
        provider.shutdown()


if __name__ == "__main__":
    asyncio.run(main())
