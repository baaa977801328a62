/** Server-Sent Events for the web host's `GET /events`: the framing and the set of open streams. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { QueueSnapshot } from '../../approver/api.ts';

const HEARTBEAT_MS = 15_000;

export function writeEvent(res: ServerResponse, event: string, payload: unknown): void {
  // JSON.stringify never emits raw newlines, so one `data:` line is always enough.
  res.write(`event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`);
}

export function writeComment(res: ServerResponse, text: string): void {
  res.write(`: ${text.replace(/[\r\n]/g, ' ')}\n\n`);
}

/** Every connected page's event stream; an event goes to all of them. */
export class EventStreams {
  readonly #streams = new Set<ServerResponse>();

  broadcast(event: string, payload: unknown): void {
    for (const res of this.#streams) writeEvent(res, event, payload);
  }

  /** Opens a stream; a page that (re)connects gets `current` at once instead of waiting for a change. */
  open(req: IncomingMessage, res: ServerResponse, current: QueueSnapshot): void {
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', Connection: 'keep-alive' });
    this.#streams.add(res);
    writeComment(res, 'connected');
    writeEvent(res, 'queue', current);
    writeEvent(res, 'connection', current.connection);
    const heartbeat = setInterval(() => writeComment(res, 'ping'), HEARTBEAT_MS);
    heartbeat.unref();
    req.on('close', () => {
      clearInterval(heartbeat);
      this.#streams.delete(res);
    });
  }

  closeAll(): void {
    for (const res of this.#streams) res.end();
    this.#streams.clear();
  }
}
