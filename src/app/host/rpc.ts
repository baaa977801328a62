/**
 * `POST /rpc/<channel>`: one invoke of the IPC contract over loopback HTTP. The JSON body is
 * the args; the answer is the dispatcher's JSON envelope, with an HTTP status that matches
 * its error code (the bridge reads the envelope, the status helps anyone reading logs).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LIMITS } from '../../core/schemas.ts';
import type { Dispatcher } from '../dispatch.ts';

type BodyRefusal = 400 | 413 | 415;

const BODY_REFUSALS: Record<BodyRefusal, string> = {
  400: 'The request body is not JSON.',
  413: 'Request too large.',
  415: 'Send JSON.',
};

async function readJsonBody(
  req: IncomingMessage,
): Promise<{ ok: true; value: unknown } | { ok: false; status: BodyRefusal }> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json(\s*;|$)/i.test(type)) return { ok: false, status: 415 };
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > LIMITS.requestBytes) return { ok: false, status: 413 };
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return { ok: true, value: null };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, status: 400 };
  }
}

function statusFor(code: string): number {
  switch (code) {
    case 'bad_request':
      return 400;
    case 'unknown_channel':
      return 404;
    case 'internal':
      return 500;
    default:
      return 422;
  }
}

function writeJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

export async function handleRpc(
  dispatcher: Dispatcher,
  req: IncomingMessage,
  res: ServerResponse,
  rawChannel: string,
): Promise<void> {
  const body = await readJsonBody(req);
  if (!body.ok) {
    return writeJson(res, body.status, {
      ok: false,
      error: { code: 'bad_request', message: BODY_REFUSALS[body.status] },
    });
  }
  const envelope = await dispatcher.dispatch(decodeChannel(rawChannel), body.value);
  writeJson(res, envelope.ok ? 200 : statusFor(envelope.error.code), envelope);
}

/** A malformed escape is not a server error: left as is, it is simply no channel of the contract. */
function decodeChannel(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
