/**
 * A TCP proxy (Node's net) between nxrun and the dev server that can be cut off as a network that
 * drops packets cuts it: no reset, no refusal, the sockets stay open and no byte goes through in
 * either direction, new connections included. When healed, what was held goes through: TCP
 * retransmits what a partition dropped, so nothing is lost end to end.
 */
import { createServer, type Socket, connect as tcpConnect } from "node:net";

export interface PartitionProxy {
  /** host:port to give nxrun. */
  readonly address: string;
  /** Stops forwarding (bytes are held, nothing closes). */
  cut(): void;
  /** Forwards again, what was held first. */
  heal(): void;
  close(): Promise<void>;
}

/** One direction of one connection: forwards, or holds while the network is cut. */
function forward(from: Socket, to: Socket, isCut: () => boolean, held: Array<() => void>): void {
  from.on("data", (chunk: Buffer) => {
    if (isCut()) held.push(() => to.write(chunk));
    else to.write(chunk);
  });
  from.on("end", () => to.end());
  from.on("error", () => to.destroy());
}

export async function partitionProxy(upstream: string): Promise<PartitionProxy> {
  const [host, port] = [
    upstream.slice(0, upstream.lastIndexOf(":")),
    Number(upstream.slice(upstream.lastIndexOf(":") + 1)),
  ];
  let isCut = false;
  const held: Array<() => void> = [];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const server = tcpConnect({ host, port });
    for (const socket of [client, server]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
    }
    forward(client, server, () => isCut, held);
    forward(server, client, () => isCut, held);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port: own } = server.address() as { port: number };
  return {
    address: `127.0.0.1:${own}`,
    cut: () => {
      isCut = true;
    },
    heal: () => {
      isCut = false;
      for (const write of held.splice(0)) write();
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
