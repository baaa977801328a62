/**
 * The role each team route needs: ONE table, enforced in one place (the server's auth hook).
 * The server refuses to start when a team route is registered without a row here, so a route
 * without a role cannot exist; `admin` and `legacy` keys may call every route.
 */
import type { ApiKeyRole } from '../core/api.ts';

/** `operator`: agents; `approver`: a person's app; `any`: every role. */
export type RouteRole = 'operator' | 'approver' | 'any';

export interface RouteRule {
  method: 'GET' | 'POST';
  /** Fastify route pattern. */
  url: string;
  role: RouteRole;
}

export const ROUTE_ROLES: readonly RouteRule[] = [
  { method: 'GET', url: '/v1/teams/:team/whoami', role: 'any' },
  /* approvers read it too: the app explains which rule suspended an action */
  { method: 'GET', url: '/v1/teams/:team/policy', role: 'any' },
  { method: 'POST', url: '/v1/teams/:team/receipts', role: 'operator' },
  /* the team's receipt archive: every role of the team may read it (the agent that pushed, the approvers who decided) */
  { method: 'GET', url: '/v1/teams/:team/receipts/:id', role: 'any' },
  { method: 'GET', url: '/v1/teams/:team/receipts', role: 'any' },
  { method: 'POST', url: '/v1/teams/:team/approvals', role: 'operator' },
  { method: 'GET', url: '/v1/teams/:team/approvals/settled', role: 'operator' },
  { method: 'GET', url: '/v1/teams/:team/approvals/:id', role: 'any' /* operator keys: only approvals they opened */ },
  { method: 'GET', url: '/v1/teams/:team/approvals', role: 'approver' },
  { method: 'GET', url: '/v1/teams/:team/approvals/changes', role: 'approver' },
  { method: 'POST', url: '/v1/teams/:team/approvals/:id/decision', role: 'approver' },
  { method: 'POST', url: '/v1/teams/:team/approvers', role: 'approver' },
  { method: 'GET', url: '/v1/teams/:team/approvers', role: 'approver' },
  { method: 'GET', url: '/v1/teams/:team/approvers/:keyId', role: 'approver' },
  { method: 'POST', url: '/v1/teams/:team/approvers/:keyId/revoke', role: 'approver' },
];

const byRoute = new Map(ROUTE_ROLES.map((rule) => [`${rule.method} ${rule.url}`, rule]));

/** The rule for a registered route (HEAD is answered by its GET route); undefined when there is none. */
export function ruleFor(method: string, url: string): RouteRule | undefined {
  return byRoute.get(`${method === 'HEAD' ? 'GET' : method} ${url}`);
}

/** Whether a key of `role` may call a route that needs `needed`. */
export function roleAllows(role: ApiKeyRole, needed: RouteRole): boolean {
  return needed === 'any' || role === 'admin' || role === 'legacy' || role === needed;
}

/** The 403 message: the role this route needs, the one the key has, and what to do. */
export function wrongRoleMessage(rule: RouteRule, role: ApiKeyRole): string {
  const what = rule.role === 'operator' ? 'agents' : "a person's approver app";
  return `${rule.method} ${rule.url.replace(/:(\w+)/g, '{$1}')} needs an ${rule.role} API key (or admin); this key's role is ${role}. ${rule.role} keys are for ${what}: ask your team admin for one (heso-cloud key create --role ${rule.role})`;
}
