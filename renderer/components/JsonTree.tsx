/**
 * Every field of a JSON value, nested, nothing elided: what the approver signs is what they
 * see. Keys and strings go through <Visible> so hidden characters show up. Object keys are
 * shown quoted and array positions bare (`[0]`), so `["A"]` and `{"[0]":"A"}` never look
 * the same; each container says what it is.
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
  const isArray = Array.isArray(value);
  const entries: [string, JsonValue][] = isArray
    ? value.map((v, i) => [String(i), v])
    : Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (entries.length === 0) return <span className="json-empty">{isArray ? '[ ]' : '{ }'}</span>;
  return (
    <dl className="json-tree" aria-label={label} data-kind={isArray ? 'array' : 'object'}>
      {entries.map(([key, child]) => (
        <div className="json-row" key={key}>
          <dt>
            {isArray ? (
              <span className="json-index">[{key}]</span>
            ) : (
              <span className="json-key">
                "<Visible text={key} />"
              </span>
            )}
          </dt>
          <dd>
            <JsonTree value={child} />
          </dd>
        </div>
      ))}
    </dl>
  );
}
