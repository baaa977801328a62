import type { RiskCue } from '../lib/risk.ts';

export function RiskCues({ cues }: { cues: RiskCue[] }) {
  if (cues.length === 0) return null;
  return (
    <ul className="risk-cues" aria-label="Risk cues">
      {cues.map((cue) => (
        <li key={`${cue.kind}:${cue.label}`} className={`risk-cue risk-${cue.kind}`}>
          {cue.label}
        </li>
      ))}
    </ul>
  );
}
