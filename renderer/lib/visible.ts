/**
 * Segments of untrusted text for rendering, built on the engine's `escapeUntrusted` so the
 * UI shows exactly what the CLI shows: hidden characters (controls, bidi overrides,
 * zero-width) become visible escapes, a literal backslash is doubled. Segments let the UI
 * style the app-made escapes apart from the text itself.
 */
import { escapeUntrusted, hasHiddenCharacters } from '../../src/approver/display.ts';

export { hasBidiControls, hasHiddenCharacters } from '../../src/approver/display.ts';

export interface VisibleSegment {
  text: string;
  /** True when this segment is an escape the app produced for a hidden character. */
  escaped: boolean;
}

export function visibleSegments(text: string): VisibleSegment[] {
  if (!hasHiddenCharacters(text)) return [{ text: escapeUntrusted(text), escaped: false }];
  const segments: VisibleSegment[] = [];
  let plain = '';
  for (const ch of text) {
    const shown = escapeUntrusted(ch);
    if (ch === '\\' || shown === ch) {
      plain += shown;
      continue;
    }
    if (plain) segments.push({ text: plain, escaped: false });
    plain = '';
    segments.push({ text: shown, escaped: true });
  }
  if (plain) segments.push({ text: plain, escaped: false });
  return segments;
}

/** The whole text with hidden characters escaped, as one string (for attributes and titles). */
export const visibleText = escapeUntrusted;
