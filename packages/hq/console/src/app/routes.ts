import { CONFIRMATION_TOKEN_PATTERN } from '../../../src/console/contract';
import type { Operation } from '../../../src/operators/roles';

/** The console's pages, in the order the navigation lists them. */
export const PAGES = [
  'stores',
  'devices',
  'staff',
  'catalog',
  'members',
  'privacy',
  'incidents',
  'alerts',
  'reviews',
  'reports',
  'dashboard',
  'audit',
  'operators',
  'approvals',
  'tokens',
  'security',
] as const;
export type PageName = (typeof PAGES)[number];

/**
 * What a page needs: any one of these operations, or none (any signed-in operator). Only decides
 * what the navigation shows; HQ decides every call.
 */
export const PAGE_OPERATIONS: Readonly<Record<PageName, readonly Operation[]>> = {
  stores: ['stores.read'],
  devices: ['devices.read'],
  staff: ['staff.read'],
  catalog: ['catalog.read'],
  members: ['member.search'],
  privacy: ['privacy.read'],
  incidents: ['incidents.read'],
  alerts: ['alerts.read', 'detection.policy_read'],
  reviews: ['overdrafts.list', 'rejected.list', 'flagged.list'],
  reports: ['reports.read'],
  dashboard: ['dashboard.read'],
  audit: ['audit.read'],
  operators: ['operators.manage'],
  approvals: [],
  tokens: [],
  security: [],
};

export function pageAllowed(page: PageName, operations: readonly string[]): boolean {
  const needed = PAGE_OPERATIONS[page];
  return needed.length === 0 || needed.some((operation) => operations.includes(operation));
}

export function allowedPages(operations: readonly string[]): PageName[] {
  return PAGES.filter((page) => pageAllowed(page, operations));
}

export type Route =
  | { kind: 'login' }
  | { kind: 'enrol'; token: string | null }
  /** A member's double opt-in link: public, no session. */
  | { kind: 'confirm'; token: string | null }
  | { kind: 'page'; page: PageName }
  /** #/ or an unknown hash: the first page the session may see. */
  | { kind: 'home' };

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

export function parseHash(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/');
  const [first = '', second] = parts;
  if (first === 'login') return { kind: 'login' };
  if (first === 'enrol') return { kind: 'enrol', token: second && TOKEN.test(second) ? second : null };
  if (first === 'confirm')
    return { kind: 'confirm', token: second && CONFIRMATION_TOKEN_PATTERN.test(second) ? second : null };
  const page = PAGES.find((name) => name === first);
  return page ? { kind: 'page', page } : { kind: 'home' };
}

export function hashOf(route: Route): string {
  switch (route.kind) {
    case 'login':
      return '#/login';
    case 'enrol':
      return '#/enrol';
    case 'confirm':
      return '#/confirm';
    case 'page':
      return `#/${route.page}`;
    case 'home':
      return '#/';
  }
}
