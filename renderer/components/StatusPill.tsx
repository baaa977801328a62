import type { ProfileView } from '../../src/approver/api.ts';

const KEY_STATUS_TEXT: Record<ProfileView['keyStatus'], string> = {
  pending: 'Pending activation',
  active: 'Active',
  revoked: 'Revoked',
  unknown: 'Status unknown',
};

export function KeyStatusPill({ status }: { status: ProfileView['keyStatus'] }) {
  return (
    <span className={`pill pill-key-${status}`} data-testid="key-status">
      {KEY_STATUS_TEXT[status]}
    </span>
  );
}

/** The fingerprint in large, separated groups that are easy to read aloud and compare. */
export function Fingerprint({ value, large = false }: { value: string; large?: boolean }) {
  const groups = value.split(/\s+/).filter(Boolean);
  return (
    <span
      className={large ? 'fingerprint fingerprint-large' : 'fingerprint'}
      role="img"
      aria-label={`Key fingerprint ${groups.join(' ')}`}
      data-testid="fingerprint"
      data-fingerprint={value}
    >
      {groups.map((group, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: fixed positional groups
        <span className="fingerprint-group" key={i}>
          {group}
        </span>
      ))}
    </span>
  );
}
