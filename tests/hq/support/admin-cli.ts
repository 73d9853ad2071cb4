// Runs `npm run hq -- <command>` in process (packages/hq/src/admin/cli.ts) and keeps what it printed.
import type { AdminDeps } from '../../../packages/hq/src/admin';
import { runAdminArgv } from '../../../packages/hq/src/admin/cli';

export interface CliRun {
  code: number;
  out: string[];
  err: string[];
  /** KEY=value lines of stdout as an object. */
  values: Record<string, string>;
}

export async function runCli(deps: AdminDeps, ...argv: string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runAdminArgv(deps, argv, { out: (line) => out.push(line), err: (line) => err.push(line) });
  const values: Record<string, string> = {};
  for (const line of out) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined) values[match[1]] = match[2];
  }
  return { code, out, err, values };
}
