// Runs `npm run hq -- <command>` in process (packages/hq/src/admin/cli.ts) against a test HQ's console
// API, as the operator of an API token, and keeps what it printed.
import { AdminClientError, consoleApiClient } from '../../../packages/hq/src/admin/api-client';
import { runAdminArgv, type AdminConnection } from '../../../packages/hq/src/admin/cli';
import type { TestHq } from './hq';

export interface CliRun {
  code: number;
  out: string[];
  err: string[];
  /** KEY=value lines of stdout as an object. */
  values: Record<string, string>;
}

/**
 * What main.ts gives a command, aimed at `hq`: the console API over HTTPS pinned to the test HQ's
 * certificate with `token` (none: token_required, as main.ts says when LOYALTY_HQ_TOKEN is unset),
 * writes under `requestId` when given (--request-id), `timeoutMs` for an answer (120 s). The test HQ serves no bootstrap route: create-admin
 * is tested through it in tests/hq/admin-bootstrap-route.test.ts and tests/hq/admin-running-server.test.ts.
 */
export function cliConnection(
  hq: TestHq,
  token: string | undefined,
  options: { requestId?: string; timeoutMs?: number } = {},
): AdminConnection {
  return {
    api() {
      if (token === undefined) throw new AdminClientError('token_required', 'Set LOYALTY_HQ_TOKEN (test).');
      return consoleApiClient({ url: hq.url, certSha256: hq.tls.fingerprint256 }, token, options);
    },
    createFirstAdmin() {
      return Promise.reject(new Error('create-admin is tested against real HQ processes (admin-running-server).'));
    },
  };
}

export async function runCli(connection: AdminConnection, ...argv: string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runAdminArgv(connection, argv, {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
  });
  const values: Record<string, string> = {};
  for (const line of out) {
    const match = /^([A-Z_0-9]+)=(.*)$/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined) values[match[1]] = match[2];
  }
  return { code, out, err, values };
}
