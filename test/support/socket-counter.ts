/**
 * A TCP relay in front of a server that counts the connections one client opens: how many
 * are open now and the most ever open at once. Point only the client under test at it.
 */
import { connect, createServer, type Socket } from 'node:net';

export interface SocketCounter {
  url: string;
  readonly open: number;
  readonly maxOpen: number;
  readonly total: number;
  stop(): Promise<void>;
}

export async function startSocketCounter(target: string): Promise<SocketCounter> {
  const { hostname, port } = new URL(target);
  let open = 0;
  let maxOpen = 0;
  let total = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    open += 1;
    total += 1;
    maxOpen = Math.max(maxOpen, open);
    const upstream = connect(Number(port), hostname);
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const end = () => {
      if (!sockets.has(client)) return;
      sockets.delete(client);
      sockets.delete(upstream);
      open -= 1;
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('socket counter has no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    get open() {
      return open;
    },
    get maxOpen() {
      return maxOpen;
    },
    get total() {
      return total;
    },
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
