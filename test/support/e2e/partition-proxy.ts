/**
 * A TCP proxy (Node's net) between nxrun and the dev server that can be cut off as a network that
 * drops packets cuts it: no reset, no refusal, the sockets stay open and no byte goes through in
 * either direction, new connections included. When healed, what was held goes through: TCP
 * retransmits what a partition dropped, so nothing is lost end to end.
 *
 * It also tells when the server last sent anything, and when each request nxrun sent during the cut
 * was held: gRPC over HTTP/2 opens each call with a HEADERS frame, which the proxy finds by reading
 * the frame headers of what nxrun sends (RFC 9113, section 4.1).
 */
import { createServer, type Socket, connect as tcpConnect } from "node:net";

export interface PartitionProxy {
  /** host:port to give nxrun. */
  readonly address: string;
  /** Stops forwarding (bytes are held, nothing closes). */
  cut(): void;
  /** Forwards again, what was held first. */
  heal(): void;
  /** When (ms) the server last sent nxrun anything. */
  readonly serverSpokeAt: number;
  /** When (ms) each request nxrun sent while cut was held, in order. */
  readonly heldRequests: readonly number[];
  close(): Promise<void>;
}

const PREFACE_BYTES = 24;
const FRAME_HEADER_BYTES = 9;
const HEADERS_FRAME = 0x1;

/** Reads a client's HTTP/2 frames as they pass, calling `onRequest` at each HEADERS frame. */
function requestSpotter(onRequest: () => void): (chunk: Buffer) => void {
  let skip = PREFACE_BYTES;
  let header = Buffer.alloc(0);
  return (chunk) => {
    let rest = chunk;
    while (rest.length > 0) {
      if (skip > 0) {
        const skipped = Math.min(skip, rest.length);
        skip -= skipped;
        rest = rest.subarray(skipped);
        continue;
      }
      const needed = FRAME_HEADER_BYTES - header.length;
      header = Buffer.concat([header, rest.subarray(0, needed)]);
      rest = rest.subarray(needed);
      if (header.length < FRAME_HEADER_BYTES) return;
      if (header[3] === HEADERS_FRAME) onRequest();
      skip = header.readUIntBE(0, 3);
      header = Buffer.alloc(0);
    }
  };
}

/** One direction of one connection: forwards, or holds while the network is cut; `seen` sees every byte. */
function forward(from: Socket, to: Socket, isCut: () => boolean, held: Array<() => void>, seen: (c: Buffer) => void) {
  from.on("data", (chunk: Buffer) => {
    seen(chunk);
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
  let serverSpokeAt = Date.now();
  const heldRequests: number[] = [];
  const held: Array<() => void> = [];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const server = tcpConnect({ host, port });
    for (const socket of [client, server]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
    }
    const spot = requestSpotter(() => {
      if (isCut) heldRequests.push(Date.now());
    });
    forward(client, server, () => isCut, held, spot);
    forward(
      server,
      client,
      () => isCut,
      held,
      () => {
        if (!isCut) serverSpokeAt = Date.now();
      },
    );
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
    get serverSpokeAt() {
      return serverSpokeAt;
    },
    heldRequests,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
