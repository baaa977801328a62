/** One labelled value of a facts list (`<dl className="facts">`); untrusted text is shown through Visible. */
import { Visible } from './Visible.tsx';

export function Fact({
  label,
  value,
  mono,
  title,
  testId,
}: {
  label: string;
  value: string;
  mono?: boolean;
  title?: string;
  testId?: string;
}) {
  return (
    <div className="fact">
      <dt>{label}</dt>
      <dd className={mono ? 'mono break' : undefined} title={title} data-testid={testId}>
        <Visible text={value} />
      </dd>
    </div>
  );
}
