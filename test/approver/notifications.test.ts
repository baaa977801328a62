import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NotificationRequest } from '../../src/approver/api.ts';
import { NotificationCoalescer, type Timers } from '../../src/approver/notifications.ts';

/** A manual clock and timer queue: time only moves when the test says so. */
function fakeTime() {
  let now = 1_000_000;
  let nextId = 1;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const api: Timers = {
    setTimeout: (fn, ms) => {
      const id = nextId++;
      timers.set(id, { at: now + ms, fn });
      return id;
    },
    clearTimeout: (handle) => {
      timers.delete(handle as number);
    },
  };
  return {
    clock: () => now,
    timers: api,
    pendingTimers: () => timers.size,
    advance(ms: number) {
      const until = now + ms;
      for (;;) {
        const due = [...timers.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].fn();
      }
      now = until;
    },
  };
}

function setup(gatherMs = 1000, minIntervalMs = 10_000) {
  const time = fakeTime();
  const shown: NotificationRequest[] = [];
  const coalescer = new NotificationCoalescer({
    emit: (n) => shown.push(n),
    clock: time.clock,
    timers: time.timers,
    gatherMs,
    minIntervalMs,
  });
  const push = (id: string) => coalescer.push({ approvalId: id, title: `Approval needed: ${id}`, body: 'b' });
  return { time, shown, coalescer, push };
}

test('a burst of 50 approvals yields one summary, not 50 prompts', () => {
  const { time, shown, push } = setup();
  for (let i = 0; i < 50; i++) {
    push(`apr_${i}`);
    time.advance(10);
  }
  time.advance(1000);
  assert.equal(shown.length, 1);
  assert.deepEqual(shown[0], {
    kind: 'summary',
    count: 50,
    title: '50 approvals are waiting',
    body: 'Open HESO Approver to review them one by one.',
  });
});

test('a lone approval is shown as itself after the gather window', () => {
  const { time, shown, push } = setup();
  push('apr_1');
  time.advance(999);
  assert.equal(shown.length, 0, 'nothing before the gather window ends');
  time.advance(1);
  assert.deepEqual(shown, [{ kind: 'single', approvalId: 'apr_1', title: 'Approval needed: apr_1', body: 'b' }]);
});

test('after a notification the next waits for the minimum interval, then summarises what arrived', () => {
  const { time, shown, push } = setup(1000, 10_000);
  push('apr_1');
  time.advance(1000);
  assert.equal(shown.length, 1);
  push('apr_2');
  time.advance(2000);
  push('apr_3');
  time.advance(5000);
  assert.equal(shown.length, 1, 'rate-limited: still within 10 s of the first');
  time.advance(2999);
  assert.equal(shown.length, 1, 'one millisecond before the interval ends');
  time.advance(1);
  assert.equal(shown.length, 2);
  assert.equal(shown[1]?.kind, 'summary');
  assert.equal(shown[1]?.kind === 'summary' ? shown[1].count : 0, 2);
});

test('an approval decided or withdrawn before the announcement is not announced', () => {
  const { time, shown, push, coalescer } = setup();
  push('apr_1');
  push('apr_2');
  coalescer.withdraw('apr_2');
  time.advance(1000);
  assert.deepEqual(
    shown.map((n) => n.kind),
    ['single'],
  );
  push('apr_3');
  coalescer.withdraw('apr_3');
  time.advance(20_000);
  assert.equal(shown.length, 1, 'nothing left to announce');
});

test('the same approval pushed twice counts once; dispose cancels the timer', () => {
  const { time, shown, push, coalescer } = setup();
  push('apr_1');
  push('apr_1');
  time.advance(1000);
  assert.equal(shown[0]?.kind, 'single');
  push('apr_2');
  coalescer.dispose();
  assert.equal(time.pendingTimers(), 0);
  time.advance(60_000);
  assert.equal(shown.length, 1);
});
