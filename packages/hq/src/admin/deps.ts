import type { HqDatabase } from '../db/database';

/** HQ operator functions. Each takes the database (and a clock) as parameters, like every service. */
export interface AdminDeps {
  db: HqDatabase;
  now?: () => Date;
}

export function clock(deps: AdminDeps): Date {
  return (deps.now ?? (() => new Date()))();
}
