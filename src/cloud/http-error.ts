/** An error the server answers with a status and the JSON error body `{ error: { code, message, field? } }`. */
import type { ErrorBody, ErrorCode } from '../core/api.ts';

export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
    readonly headers: Record<string, string> = {},
    /** On 429: the budget that ran out (docs/api.md, "Budgets"). */
    readonly budget?: string,
  ) {
    super(message);
  }

  body(): ErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.field ? { field: this.field } : {}),
        ...(this.budget ? { budget: this.budget } : {}),
      },
    };
  }
}

export const badRequest = (message: string, field?: string) => new HttpError(400, 'bad_request', message, field);
export const notFound = (message: string) => new HttpError(404, 'not_found', message);
export const forbidden = (message: string, field?: string) => new HttpError(403, 'forbidden', message, field);
export const badSignature = (message: string, field?: string) => new HttpError(422, 'bad_signature', message, field);
