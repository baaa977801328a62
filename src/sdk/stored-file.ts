/**
 * Reading back what this device wrote earlier (outbox, audit log, pending approvals,
 * settings, first-seen approvals, profiles): the one way a stored file is parsed and
 * validated with its schema instead of being cast. A file that is missing is told apart
 * from one that is damaged, so callers can say what happened and leave the damaged file
 * in place (or move it aside) rather than silently dropping it.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { z } from 'zod';

export type ParsedStored<T> =
  | { kind: 'ok'; value: T }
  /** `problem` names what is wrong: not JSON, or the first field that does not fit the schema. */
  | { kind: 'damaged'; problem: string };

export type StoredRead<T> = ParsedStored<T> | { kind: 'missing' };

/** Parses stored text with `schema`: the value, or what is wrong with it. */
export function parseStored<S extends z.ZodType>(text: string, schema: S): ParsedStored<z.output<S>> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { kind: 'damaged', problem: `not valid JSON (${(err as Error).message})` };
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return { kind: 'ok', value: parsed.data };
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ` : '';
  return { kind: 'damaged', problem: `not in the expected form (${where}${issue?.message ?? 'invalid'})` };
}

/** Reads and parses `file`; a file that does not exist (or vanished meanwhile) is `missing`. */
export function readStored<S extends z.ZodType>(file: string, schema: S): StoredRead<z.output<S>> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    throw err;
  }
  return parseStored(text, schema);
}

/** The same as `readStored`, without blocking the event loop (the approver engine's reads). */
export async function readStoredAsync<S extends z.ZodType>(file: string, schema: S): Promise<StoredRead<z.output<S>>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    throw err;
  }
  return parseStored(text, schema);
}
