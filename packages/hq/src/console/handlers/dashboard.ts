import { readChainDashboard } from '../../dashboard/chain-dashboard';
import { ConsoleHttpError } from '../console-error';
import type { ConsoleHandler } from '../console-context';

/** The dashboard page: chain-wide, or one store's figures when the picker names it. A read: nothing audited. */
export const getDashboard: ConsoleHandler<'getDashboard'> = async (ctx, input) => {
  if (input.storeId !== undefined) {
    const found = await ctx.tx.query('SELECT 1 FROM stores WHERE id = $1', [input.storeId]);
    if (found.rows.length === 0) throw new ConsoleHttpError('store_not_found', `No store ${input.storeId}.`);
  }
  return readChainDashboard(ctx.tx, { now: ctx.now, days: input.days, storeId: input.storeId ?? null });
};
