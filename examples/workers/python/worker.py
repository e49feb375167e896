"""The Python example worker: serves the ChangeService Nexus service (and its workflow) on one task queue.

    python worker.py [--address H:P] [--namespace N] [--task-queue Q]

Prints "worker ready on Q" once polling; stops cleanly on SIGINT/SIGTERM. `npm run demo` and the
end-to-end tests run it from the virtual environment that scripts/python-venv.sh creates.
"""

import argparse
import asyncio
import os
import signal
import sys

from temporalio.client import Client
from temporalio.worker import Worker

from change_service_handler import ChangeServiceHandler
from verify_workflow import VerifyRolloutWorkflow


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--address", default=os.environ.get("TEMPORAL_ADDRESS", "localhost:7233"))
    parser.add_argument("--namespace", default=os.environ.get("TEMPORAL_NAMESPACE", "default"))
    parser.add_argument("--task-queue", default="nxrun-examples-py")
    args = parser.parse_args()

    client = await Client.connect(args.address, namespace=args.namespace)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    async with Worker(
        client,
        task_queue=args.task_queue,
        workflows=[VerifyRolloutWorkflow],
        nexus_service_handlers=[ChangeServiceHandler()],
    ):
        print(f"worker ready on {args.task_queue}", flush=True)
        await stop.wait()
    # Leaving the `async with` shut the worker down (in-flight tasks finish or are cancelled).


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(130)
