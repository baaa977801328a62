/**
 * The server's JSON body parser. Plain JSON.parse (which defines every member as an own
 * property, so nothing can reach a prototype while parsing), then one refusal: the member
 * name `__proto__` anywhere, answered as a 400 that names where it is. JavaScript code that
 * later copies such an object with assignment would set a prototype instead of a field, and
 * a HESO body never needs that name. (Fastify's default parser refuses it too, but reports
 * "not valid JSON", which is untrue.)
 */
import type { FastifyInstance } from 'fastify';
import { formatPath } from '../core/validate.ts';
import { badRequest } from './http-error.ts';

/** Path of the first `__proto__` member, or null. Iterative: a deeply nested body cannot overflow the stack. */
function protoMemberPath(root: unknown): PropertyKey[] | null {
  const stack: { value: unknown; path: PropertyKey[] }[] = [{ value: root, path: [] }];
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (Array.isArray(value)) {
      value.forEach((item, i) => {
        stack.push({ value: item, path: [...path, i] });
      });
      continue;
    }
    if (Object.hasOwn(value, '__proto__')) return [...path, '__proto__'];
    for (const [key, member] of Object.entries(value)) stack.push({ value: member, path: [...path, key] });
  }
  return null;
}

export function parseJsonBody(text: string): unknown {
  if (text === '') throw badRequest('the JSON body is empty');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw badRequest(`the body is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  const path = protoMemberPath(value);
  if (path) {
    const field = formatPath('', path);
    throw badRequest(
      `${field}: the member name "__proto__" is refused in every HESO body (prototype pollution risk in JavaScript); rename or remove it`,
      field,
    );
  }
  return value;
}

/** Replaces Fastify's application/json parser with `parseJsonBody` (same body limit). */
export function installJsonBodyParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
}
