/**
 * Every field of a JSON value, nested, nothing elided: what the approver signs is what they
 * see. Keys and strings go through <Visible> so hidden characters show up.
 */
import type { JsonValue } from '../../src/core/schemas.ts';
import { Visible } from './Visible.tsx';

function Scalar({ value }: { value: JsonValue }) {
  if (value === null) return <span className="json-null">null</span>;
  if (typeof value === 'boolean') return <span className="json-bool">{String(value)}</span>;
  if (typeof value === 'number') return <span className="json-number">{String(value)}</span>;
  if (typeof value === 'string')
    return (
      <span className="json-string">
        “<Visible text={value} />”
      </span>
    );
  return null;
}

export function JsonTree({ value, label }: { value: JsonValue; label?: string }) {
  if (value === null || typeof value !== 'object') return <Scalar value={value} />;
  const entries: [string, JsonValue][] = Array.isArray(value)
    ? value.map((v, i) => [`[${i}]`, v])
    : Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (entries.length === 0) return <span className="json-empty">{Array.isArray(value) ? '[ ]' : '{ }'}</span>;
  return (
    <dl className="json-tree" aria-label={label}>
      {entries.map(([key, child]) => (
        <div className="json-row" key={key}>
          <dt>
            <Visible text={key} />
          </dt>
          <dd>
            <JsonTree value={child} />
          </dd>
        </div>
      ))}
    </dl>
  );
}
