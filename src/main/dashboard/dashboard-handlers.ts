import type { DomainHandlers } from '../ipc/router';
import type { StoreDashboardService } from './store-dashboard';

/** dashboard.*: the store manager's figures, read from this till's own tables. */
export function dashboardHandlers(deps: { dashboard: StoreDashboardService }): DomainHandlers<'dashboard'> {
  return {
    'dashboard.store': ({ days }) => deps.dashboard.read(days),
  };
}
