/** Server-Sent Events framing for the web host's `/events` stream. */
import type { ServerResponse } from 'node:http';

export function writeEvent(res: ServerResponse, event: string, payload: unknown): void {
  // JSON.stringify never emits raw newlines, so one `data:` line is always enough.
  res.write(`event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`);
}

export function writeComment(res: ServerResponse, text: string): void {
  res.write(`: ${text.replace(/[\r\n]/g, ' ')}\n\n`);
}
