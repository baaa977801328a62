/**
 * The engine's injected world: clock, randomness, sleeping and logging. Tests replace
 * them; production uses the defaults. Keeping them here keeps every retry loop testable
 * without real waiting.
 */
import { backoffCeiling, sleep } from '../core/backoff.ts';

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Milliseconds since the epoch. */
export type Clock = () => number;
/** Uniform in [0, 1). */
export type Random = () => number;
/** Resolves after `ms`, or early (without throwing) when `signal` aborts. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const realSleep: Sleep = sleep;

/** RFC 3339 UTC with milliseconds, e.g. 2026-11-27T10:00:00.000Z. */
export function isoAt(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * Exponential backoff with "equal jitter": between half and all of min(cap, base·2^attempt).
 * The random half spreads many clients apart after an outage; the fixed half keeps a
 * single client from retrying in a tight loop.
 */
export function backoffDelay(attempt: number, random: Random, baseMs = 500, capMs = 30_000): number {
  const ceiling = backoffCeiling(attempt, baseMs, capMs);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** The message of anything thrown, for logs and user-facing text. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
