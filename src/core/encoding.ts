/**
 * Byte encodings used on the wire: base64url without padding (strict), lowercase hex, UTF-8.
 * Pure TypeScript so the same code runs in Node and in the renderer (no Buffer).
 */

const B64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** Value of each character code below 128 in the alphabet, -1 for the others (a table: decoding is on every check's path). */
const B64URL_INDEX = new Int8Array(128).fill(-1);
for (let i = 0; i < B64URL_ALPHABET.length; i++) B64URL_INDEX[B64URL_ALPHABET.charCodeAt(i)] = i;

/** Thrown when a string is not a valid encoding. The message says what is wrong. */
export class EncodingError extends Error {
  override name = 'EncodingError';
}

function encodeB64url(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const b0 = bytes[i]!;
    const b1 = bytes[i + 1];
    const b2 = bytes[i + 2];
    out += B64URL_ALPHABET[b0 >> 2]!;
    out += B64URL_ALPHABET[((b0 & 0x03) << 4) | ((b1 ?? 0) >> 4)]!;
    if (b1 !== undefined) out += B64URL_ALPHABET[((b1 & 0x0f) << 2) | ((b2 ?? 0) >> 6)]!;
    if (b2 !== undefined) out += B64URL_ALPHABET[b2 & 0x3f]!;
  }
  return out;
}

/**
 * Strict decoding: only the URL-safe alphabet, no padding, no whitespace, and the unused
 * trailing bits must be zero, so every byte string has exactly one accepted encoding
 * (otherwise two different strings could name the same key or signature).
 */
function decodeB64url(text: string): Uint8Array {
  if (typeof text !== 'string') throw new EncodingError('base64url input must be a string');
  if (text.length % 4 === 1) throw new EncodingError('base64url input has an impossible length');
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let bits = 0;
  let bitCount = 0;
  let o = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const v = code < 128 ? B64URL_INDEX[code]! : -1;
    if (v < 0) {
      throw new EncodingError(
        `base64url input has an invalid character at position ${i} (allowed: A-Z a-z 0-9 - _, no padding)`,
      );
    }
    bits = (bits << 6) | v;
    bitCount += 6;
    if (bitCount >= 8) {
      bitCount -= 8;
      out[o++] = (bits >> bitCount) & 0xff;
      bits &= (1 << bitCount) - 1;
    }
  }
  if (bits !== 0) throw new EncodingError('base64url input is not canonical (non-zero trailing bits)');
  return out;
}

export const b64url = { encode: encodeB64url, decode: decodeB64url } as const;

/** The two hex digits of each byte value. */
const HEX_PAIRS = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/** Lowercase hex. */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += HEX_PAIRS[bytes[i]!]!;
  return out;
}

/** Accepts upper- or lowercase hex of even length; anything else throws EncodingError. */
export function fromHex(hex: string): Uint8Array {
  if (typeof hex !== 'string' || hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new EncodingError('hex input must be an even number of hex digits');
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** UTF-8 encode / decode (decode refuses invalid UTF-8 instead of inserting U+FFFD). */
export const utf8 = {
  encode: (text: string): Uint8Array => encoder.encode(text),
  decode: (bytes: Uint8Array): string => decoder.decode(bytes),
} as const;

/** Constant-shape byte comparison. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
