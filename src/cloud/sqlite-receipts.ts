/** SQL pieces the SQLite store uses to read receipts back (get one, list with filters). */

/**
 * The operator-signed issuedAt in whole milliseconds. Compared as a number, not as text:
 * RFC 3339 strings with and without fractional seconds do not sort as times.
 */
export const ISSUED_MS =
  "CAST(round((julianday(json_extract(canonical, '$.statement.issuedAt')) - 2440587.5) * 86400000) AS INTEGER)";

export const RECEIPT_COLUMNS = `receipt_id, canonical, received_at, ${ISSUED_MS} AS issued_ms`;
