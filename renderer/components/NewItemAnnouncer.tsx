import { useEffect, useRef, useState } from 'react';
import type { PendingItem } from '../../src/approver/api.ts';
import { visibleText } from '../lib/visible.ts';

/** Screen-reader announcement when approvals arrive (the list itself is not a live region, to avoid noise). */
export function NewItemAnnouncer({ items }: { items: PendingItem[] }) {
  const seen = useRef<Set<string> | null>(null);
  const [message, setMessage] = useState('');
  useEffect(() => {
    const ids = new Set(items.map((i) => i.approval.id));
    if (seen.current) {
      const fresh = items.filter((i) => !seen.current?.has(i.approval.id));
      if (fresh.length === 1 && fresh[0]) {
        const action = fresh[0].approval.receipt.statement.action;
        setMessage(`New approval request: ${visibleText(action.tool)} for ${visibleText(action.account)}.`);
      } else if (fresh.length > 1) setMessage(`${fresh.length} new approval requests.`);
    }
    seen.current = ids;
  }, [items]);
  return (
    <div className="visually-hidden" aria-live="polite" data-testid="announcer">
      {message}
    </div>
  );
}
