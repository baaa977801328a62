/**
 * A realistic, reproducible stream of agent actions for the demo: refunds of varied
 * amounts, outbound emails, production deploys, database deletes and customer-data exports.
 */
import type { ActionInput } from '../sdk/index.ts';

/** The workflow the demo agent signs for (what an approver pins its operator key for). */
export const DEMO_WORKFLOW = 'demo-support-agent';

/** Small seeded PRNG (mulberry32), so `--seed` replays the same stream. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(rnd: () => number, items: readonly T[]): T => items[Math.floor(rnd() * items.length)]!;

const makers: ((rnd: () => number) => ActionInput)[] = [
  (rnd) => {
    const amount = pick(rnd, [12.5, 19.99, 45, 80, 99, 180, 250, 740, 1200, 8000]);
    const currency = pick(rnd, ['EUR', 'USD']);
    const order = `ord_${Math.floor(rnd() * 90000 + 10000)}`;
    return {
      tool: 'payments.refund',
      account: `cust-${Math.floor(rnd() * 9000 + 1000)}`,
      params: { orderId: order, amount, currency, reason: pick(rnd, ['damaged', 'late delivery', 'duplicate charge']) },
      summary: `Refund ${amount.toFixed(2)} ${currency} for order ${order}`,
    };
  },
  (rnd) => {
    const to = pick(rnd, ['billing@example.com', 'ops@example.com', 'ann.lee@customer.io', 'press@newsdesk.com']);
    const subject = pick(rnd, ['Your refund is on its way', 'Incident report', 'Quarterly numbers']);
    return {
      tool: 'email.send',
      account: 'mail',
      params: { to, subject, bodyBytes: 1800 },
      summary: `Email "${subject}" to ${to}`,
    };
  },
  (rnd) => {
    const service = pick(rnd, ['checkout', 'search', 'billing-api']);
    const version = `v2.${Math.floor(rnd() * 40)}.${Math.floor(rnd() * 10)}`;
    const dryRun = rnd() < 0.35;
    const params: ActionInput['params'] = { service, version };
    if (dryRun) params.dryRun = true;
    return {
      tool: 'deploy.production',
      account: 'prod-eu',
      params,
      summary: `${dryRun ? 'Dry-run deploy' : 'Deploy'} ${service} ${version} to production`,
    };
  },
  (rnd) => {
    const account = pick(rnd, ['prod-eu', 'staging-1', 'staging-2']);
    const rows = pick(rnd, [12, 250, 4000, 125000]);
    const table = pick(rnd, ['sessions', 'carts', 'audit_tmp']);
    return {
      tool: 'db.delete',
      account,
      params: { table, rows, where: 'created_at < now() - interval 30 day' },
      summary: `Delete ${rows} rows from ${table} on ${account}`,
    };
  },
  (rnd) => {
    const dataset = pick(rnd, ['customers', 'payments', 'metrics']);
    const region = pick(rnd, ['eu', 'eu', 'us']);
    return {
      tool: 'data.export',
      account: 'warehouse',
      params: { dataset, format: 'csv', destination: { region, bucket: `exports-${region}` } },
      summary: `Export ${dataset} to ${region}`,
    };
  },
];

/**
 * `count` actions: first a refund the demo policy suspends, so a newcomer sees a pending
 * approval within seconds of starting, then the seeded stream.
 */
export function demoStream(count: number, seed: number): ActionInput[] {
  const rnd = seededRandom(seed);
  const opener: ActionInput = {
    tool: 'payments.refund',
    account: 'cust-4821',
    params: { orderId: 'ord_99812', amount: 250, currency: 'EUR', reason: 'damaged in transit' },
    summary: 'Refund 250.00 EUR for order ord_99812',
  };
  const rest = Array.from({ length: Math.max(0, count - 1) }, () => pick(rnd, makers)(rnd));
  return count > 0 ? [opener, ...rest] : [];
}

/** A fixed tour, one of each interesting case under the demo policy (for `--once`). */
export function demoTour(): ActionInput[] {
  return [
    {
      tool: 'payments.refund',
      account: 'cust-1001',
      params: { orderId: 'ord_10001', amount: 45, currency: 'EUR' },
      summary: 'Refund 45.00 EUR for order ord_10001',
    },
    {
      tool: 'payments.refund',
      account: 'cust-1002',
      params: { orderId: 'ord_10002', amount: 250, currency: 'EUR' },
      summary: 'Refund 250.00 EUR for order ord_10002',
    },
    {
      tool: 'payments.refund',
      account: 'cust-1003',
      params: { orderId: 'ord_10003', amount: 8000, currency: 'USD' },
      summary: 'Refund 8000.00 USD for order ord_10003',
    },
    {
      tool: 'email.send',
      account: 'mail',
      params: { to: 'billing@example.com', subject: 'Refund issued' },
      summary: 'Email to billing@example.com',
    },
    {
      tool: 'email.send',
      account: 'mail',
      params: { to: 'ann.lee@customer.io', subject: 'Your refund' },
      summary: 'Email to ann.lee@customer.io',
    },
    {
      tool: 'deploy.production',
      account: 'prod-eu',
      params: { service: 'checkout', version: 'v2.14.0' },
      summary: 'Deploy checkout v2.14.0 to production',
    },
    {
      tool: 'db.delete',
      account: 'prod-eu',
      params: { table: 'sessions', rows: 12 },
      summary: 'Delete 12 rows from sessions on prod-eu',
    },
    {
      tool: 'data.export',
      account: 'warehouse',
      params: { dataset: 'customers', format: 'csv', destination: { region: 'us' } },
      summary: 'Export customers to us',
    },
  ];
}
