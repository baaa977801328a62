import { visibleSegments } from '../lib/visible.ts';

/** Text with hidden characters shown as highlighted escapes (e.g. `\u202E`). */
export function Visible({ text, className }: { text: string; className?: string }) {
  const segments = visibleSegments(text);
  return (
    <span className={className}>
      {segments.map((segment, i) =>
        segment.escaped ? (
          // biome-ignore lint/suspicious/noArrayIndexKey: segments are positional and never reordered
          <mark key={i} className="escape" title="Hidden character, shown escaped">
            {segment.text}
          </mark>
        ) : (
          // biome-ignore lint/suspicious/noArrayIndexKey: segments are positional and never reordered
          <span key={i}>{segment.text}</span>
        ),
      )}
    </span>
  );
}
