"""The Python test worker: one activity that heartbeats, for the tests of late-heartbeat warnings.

    python heartbeat_worker.py --address H:P [--namespace N] --task-queue Q

Prints "worker ready on Q" once polling; stops on SIGINT/SIGTERM. The end-to-end tests run it from the
venv of scripts/python-venv.sh, so the Python SDK's own heartbeat throttling is what the server sees.
"""

import argparse
import asyncio
import signal

from temporalio import activity
from temporalio.client import Client
from temporalio.worker import Worker


@activity.defn(name="heartbeatEvery")
async def heartbeat_every(input: dict) -> dict:
    """Heartbeats every `every` seconds for `seconds` seconds; after `stopAfter` heartbeats, works on silently."""
    seconds = float(input.get("seconds", 10))
    every = float(input.get("every", 1))
    stop_after = input.get("stopAfter")
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    beats = 0
    while loop.time() < end:
        if stop_after is None or beats < stop_after:
            beats += 1
            activity.heartbeat({"done": beats})
        await asyncio.sleep(every)
    return {"beats": beats}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--address", required=True)
    parser.add_argument("--namespace", default="default")
    parser.add_argument("--task-queue", required=True)
    args = parser.parse_args()
    client = await Client.connect(args.address, namespace=args.namespace)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with Worker(client, task_queue=args.task_queue, activities=[heartbeat_every]):
        print(f"worker ready on {args.task_queue}", flush=True)
        await stop.wait()


if __name__ == "__main__":
    asyncio.run(main())
