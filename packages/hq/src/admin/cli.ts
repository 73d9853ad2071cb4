import { parseArgs } from 'node:util';
import { basename } from 'node:path';
import { AUDIT_EXPORT_PATH } from '../console/console-api';
import type { ConsoleEndpointName } from '../console/contract';
import { HqAdminError } from '../errors';
import { AdminClientError, ConsoleApiError, type ConsoleApi } from './api-client';
import { readCatalogJson } from './catalog';
import type { ErasureReason } from '../../../../src/shared/privacy/requests';
import {
  MailRelayError,
  checkFromAddress,
  runMailRelay,
  runMailRelayOnce,
  smtpTransport,
  type MailRelayRun,
} from '../mail/mail-relay';

/**
 * `npm run hq -- COMMAND`: a client of the running HQ's console API (issue 12). Every command but
 * create-admin acts as the operator whose API token is in LOYALTY_HQ_TOKEN, with that token's roles,
 * and is checked and audited by HQ exactly as the console's request would be: nothing here touches
 * the database. Writes carry a request id (--request-id to choose it), so a command retried after a
 * lost answer is done once.
 */
export const ADMIN_USAGE = [
  'create-admin --email EMAIL --name NAME',
  'create-store NAME',
  'list-stores',
  'issue-pairing-code STORE_ID',
  'list-devices [--store STORE_ID]',
  'revoke-device DEVICE_ID [--approval APPROVAL_ID]',
  'add-staff (--store STORE_ID | --chain) --name NAME --role cashier|manager',
  'set-staff-status STAFF_ID active|inactive',
  'reset-staff-pin STAFF_ID',
  'load-catalog FILE.json',
  'request-erasure MEMBER_ID [--reason member_request|left_program|consent_withdrawn|unlawful_processing] [--approval APPROVAL_ID]',
  'list-overdrafts [--store STORE_ID]',
  'list-rejected [--store STORE_ID] [--device DEVICE_ID]',
  'list-flagged [--store STORE_ID] [--reason earn_recomputed|redeem_recomputed|reversal_recomputed]',
  'verify-audit',
  'export-audit',
  'mail-relay --smtp smtp://HOST:PORT --from ADDRESS [--once]',
] as const;

/** Options of the admin commands (main.ts adds the server's own). */
export const ADMIN_OPTIONS = {
  store: { type: 'string' },
  chain: { type: 'boolean' },
  name: { type: 'string' },
  role: { type: 'string' },
  device: { type: 'string' },
  reason: { type: 'string' },
  email: { type: 'string' },
  approval: { type: 'string' },
  'request-id': { type: 'string' },
  smtp: { type: 'string' },
  from: { type: 'string' },
  once: { type: 'boolean' },
} as const;

export interface AdminOptionValues {
  store?: string | undefined;
  chain?: boolean | undefined;
  name?: string | undefined;
  role?: string | undefined;
  device?: string | undefined;
  reason?: string | undefined;
  email?: string | undefined;
  approval?: string | undefined;
  'request-id'?: string | undefined;
  smtp?: string | undefined;
  from?: string | undefined;
  once?: boolean | undefined;
}

export interface AdminIo {
  out(line: string): void;
  err(line: string): void;
}

/** What a command reaches HQ through. */
export interface AdminConnection {
  /** The console API as the operator of LOYALTY_HQ_TOKEN; throws token_required without one. */
  api(): ConsoleApi;
  /** create-admin: HQ's bootstrap route (loopback, the data folder's token, only while no operator exists). */
  createFirstAdmin(input: { email: string; displayName: string }): Promise<{
    operatorId: string;
    enrolmentUrl: string;
    expiresAt: string;
  }>;
}

interface Command {
  args: readonly string[];
  options: readonly (keyof AdminOptionValues)[];
  /** The console endpoints it calls (the operations they need are HQ's to check). */
  endpoints: readonly ConsoleEndpointName[];
  run(connection: AdminConnection, args: string[], options: AdminOptionValues, io: AdminIo): Promise<void>;
}

const printRows = (io: AdminIo, rows: readonly unknown[]): void => {
  for (const row of rows) io.out(JSON.stringify(row));
};

const printRun = (io: AdminIo, run: MailRelayRun): void => {
  io.out(`MAIL_LISTED=${run.listed}`);
  io.out(`MAIL_SENT=${run.sent}`);
  io.out(`MAIL_REFUSED=${run.refused}`);
  io.out(`MAIL_MARKED=${run.marked}`);
};

/** How often `mail-relay` without --once looks for confirmations to send. */
export const MAIL_RELAY_INTERVAL_MS = 60_000;

const withApproval = (options: AdminOptionValues) =>
  options.approval !== undefined ? { approvalId: options.approval } : {};

const COMMANDS: Record<string, Command> = {
  'create-admin': {
    args: [],
    options: ['email', 'name'],
    endpoints: [],
    async run(connection, _a, options, io) {
      if (options.email === undefined || options.name === undefined)
        throw new HqAdminError('invalid_argument', 'create-admin needs --email EMAIL and --name NAME.');
      const made = await connection.createFirstAdmin({ email: options.email, displayName: options.name });
      io.out(`OPERATOR_ID=${made.operatorId}`);
      // Shown once: the link is the only way in; HQ keeps only its hash. Valid 24 hours.
      io.out(`ENROLMENT_URL=${made.enrolmentUrl}`);
      io.out(`EXPIRES_AT=${made.expiresAt}`);
    },
  },
  'create-store': {
    args: ['NAME'],
    options: ['request-id'],
    endpoints: ['createStore'],
    async run(connection, [name], _o, io) {
      io.out(`STORE_ID=${(await connection.api().call('createStore', { name: name ?? '' })).storeId}`);
    },
  },
  'list-stores': {
    args: [],
    options: [],
    endpoints: ['listStores'],
    async run(connection, _a, _o, io) {
      printRows(io, (await connection.api().call('listStores', {})).stores);
    },
  },
  'issue-pairing-code': {
    args: ['STORE_ID'],
    options: ['request-id'],
    endpoints: ['issuePairingCode'],
    async run(connection, [storeId], _o, io) {
      const issued = await connection.api().call('issuePairingCode', { storeId: storeId ?? '' });
      io.out(`PAIRING_CODE=${issued.pairingCode}`);
      io.out(`EXPIRES_AT=${issued.expiresAt}`);
      io.out(`HQ_CERT_SHA256=${issued.hqCertSha256}`);
    },
  },
  'list-devices': {
    args: [],
    options: ['store'],
    endpoints: ['listDevices'],
    async run(connection, _a, options, io) {
      const filter = options.store !== undefined ? { storeId: options.store } : {};
      printRows(io, (await connection.api().call('listDevices', filter)).devices);
    },
  },
  'revoke-device': {
    args: ['DEVICE_ID'],
    options: ['approval', 'request-id'],
    endpoints: ['revokeDevice'],
    async run(connection, [deviceId], options, io) {
      const done = await connection.api().call('revokeDevice', { deviceId: deviceId ?? '', ...withApproval(options) });
      io.out(`REVOKED_AT=${done.revokedAt}`);
    },
  },
  'add-staff': {
    args: [],
    options: ['store', 'chain', 'name', 'role', 'request-id'],
    endpoints: ['addStaff'],
    async run(connection, _a, options, io) {
      if ((options.store === undefined) === (options.chain !== true)) {
        throw new HqAdminError('invalid_argument', 'Give either --store STORE_ID or --chain.');
      }
      if (options.name === undefined || options.role === undefined) {
        throw new HqAdminError('invalid_argument', 'add-staff needs --name NAME and --role cashier|manager.');
      }
      const added = await connection.api().call('addStaff', {
        storeId: options.store ?? null,
        displayName: options.name,
        role: options.role,
      });
      io.out(`STAFF_ID=${added.staffId}`);
      // Shown once: HQ keeps only its hash. The staff member must change it at the first login.
      io.out(`TEMPORARY_PIN=${added.temporaryPin}`);
    },
  },
  'set-staff-status': {
    args: ['STAFF_ID', 'STATUS'],
    options: ['request-id'],
    endpoints: ['setStaffStatus'],
    async run(connection, [staffId, status], _o, io) {
      const result = await connection.api().call('setStaffStatus', { staffId: staffId ?? '', status: status ?? '' });
      io.out(`STAFF_STATUS=${result.status}`);
      io.out(`STAFF_VERSION=${result.version}`);
      if (!result.changed) io.out('UNCHANGED=true');
    },
  },
  'reset-staff-pin': {
    args: ['STAFF_ID'],
    options: ['request-id'],
    endpoints: ['resetStaffPin'],
    async run(connection, [staffId], _o, io) {
      const reset = await connection.api().call('resetStaffPin', { staffId: staffId ?? '' });
      io.out(`STAFF_ID=${reset.staffId}`);
      io.out(`TEMPORARY_PIN=${reset.temporaryPin}`);
    },
  },
  'load-catalog': {
    args: ['FILE'],
    options: ['request-id'],
    endpoints: ['getCatalog', 'saveCatalog'],
    async run(connection, [file], _o, io) {
      // The contents travel, never the path: the server never sees this machine's folders.
      const catalog = await readCatalogJson(file ?? '');
      const api = connection.api();
      const { version } = await api.call('getCatalog', {});
      const loaded = await api.call('saveCatalog', { baseVersion: version, catalog });
      io.out(`CATALOG_FILE=${basename(file ?? '')}`);
      io.out(`CATALOG_VERSION=${loaded.version}`);
      io.out(`REWARDS_ADDED=${loaded.rewardsAdded}`);
      io.out(`REWARDS_CHANGED=${loaded.rewardsChanged}`);
      io.out(`REWARDS_DEACTIVATED=${loaded.rewardsDeactivated}`);
      io.out(`STORES_CHANGED=${loaded.storesChanged}`);
    },
  },
  'request-erasure': {
    args: ['MEMBER_ID'],
    options: ['approval', 'request-id', 'reason'],
    endpoints: ['eraseMember'],
    async run(connection, [memberId], options, io) {
      const erased = await connection.api().call('eraseMember', {
        memberId: memberId ?? '',
        reasonCode: (options.reason ?? 'member_request') as ErasureReason,
        ...withApproval(options),
      });
      io.out(`STATUS=${erased.status}`);
      if (erased.erasureRequestId !== null) io.out(`ERASURE_REQUEST=${erased.erasureRequestId}`);
      if (erased.dueAt !== null) io.out(`DUE_AT=${erased.dueAt}`);
      if (erased.erasedAt !== null) io.out(`ERASED_AT=${erased.erasedAt}`);
      if (erased.legalHold) io.out('LEGAL_HOLD=true');
      io.out(`OPS_SCRUBBED=${erased.opsScrubbed}`);
    },
  },
  'list-overdrafts': {
    args: [],
    options: ['store'],
    endpoints: ['listOverdrafts'],
    async run(connection, _a, options, io) {
      const filter = options.store !== undefined ? { storeId: options.store } : {};
      printRows(io, (await connection.api().call('listOverdrafts', filter)).rows);
    },
  },
  'list-rejected': {
    args: [],
    options: ['store', 'device'],
    endpoints: ['listRejected'],
    async run(connection, _a, options, io) {
      const filter = {
        ...(options.store !== undefined ? { storeId: options.store } : {}),
        ...(options.device !== undefined ? { deviceId: options.device } : {}),
      };
      printRows(io, (await connection.api().call('listRejected', filter)).rows);
    },
  },
  // Ops HQ applied with its own figure instead of the till's: both figures, ids and times, no names.
  'list-flagged': {
    args: [],
    options: ['store', 'reason'],
    endpoints: ['listFlagged'],
    async run(connection, _a, options, io) {
      const filter = {
        ...(options.store !== undefined ? { storeId: options.store } : {}),
        ...(options.reason !== undefined ? { reason: options.reason } : {}),
      };
      printRows(io, (await connection.api().call('listFlagged', filter)).rows);
    },
  },
  'verify-audit': {
    args: [],
    options: [],
    endpoints: ['verifyAudit'],
    async run(connection, _a, _o, io) {
      const result = await connection.api().call('verifyAudit', {});
      io.out(`AUDIT_OK=${result.ok}`);
      io.out(`AUDIT_ENTRIES=${result.entries}`);
      io.out(`AUDIT_HEAD=${result.headHash}`);
      if (result.firstBadSeq !== null) io.out(`AUDIT_FIRST_BAD_SEQ=${result.firstBadSeq}`);
    },
  },
  'export-audit': {
    args: [],
    options: [],
    endpoints: [],
    async run(connection, _a, _o, io) {
      const text = await connection.api().getText(AUDIT_EXPORT_PATH);
      for (const line of text.split('\n')) if (line !== '') io.out(line);
    },
  },
  // The reference mail service for double opt-in (docs/MAIL.md), as a mail_relay operator: once, or
  // every minute until stopped. SMTP credentials come from LOYALTY_SMTP_USER / LOYALTY_SMTP_PASSWORD.
  'mail-relay': {
    args: [],
    options: ['smtp', 'from', 'once'],
    endpoints: ['listPendingConfirmations', 'markConfirmationsDispatched'],
    async run(connection, _a, options, io) {
      const from = checkFromAddress(options.from);
      const transport = smtpTransport(options.smtp, {
        user: process.env.LOYALTY_SMTP_USER,
        pass: process.env.LOYALTY_SMTP_PASSWORD,
      });
      const relay = { api: connection.api(), transport, from };
      if (options.once === true) {
        printRun(io, await runMailRelayOnce(relay));
        return;
      }
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        await runMailRelay({
          ...relay,
          intervalMs: MAIL_RELAY_INTERVAL_MS,
          signal: stop.signal,
          onRun: (run) => {
            // A quiet minute prints nothing; a run that did something prints one JSON line.
            if (run.listed > 0) io.out(JSON.stringify({ at: new Date().toISOString(), ...run }));
          },
          onError: (error) => {
            const code = error instanceof ConsoleApiError ? error.body.code : error.code;
            io.err(`error: ${code}: ${error.message}`);
          },
        });
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    },
  },
};

export const isAdminCommand = (name: string): boolean => Object.hasOwn(COMMANDS, name);

/** The console endpoints each command calls (for the docs and the role table). */
export function adminCommandEndpoints(): Record<string, readonly ConsoleEndpointName[]> {
  return Object.fromEntries(Object.entries(COMMANDS).map(([name, command]) => [name, command.endpoints]));
}

/** The command `positionals` name, checked against its usage (argument count, options it takes). */
export function checkAdminCommand(positionals: readonly string[], options: AdminOptionValues): string {
  const [name, ...args] = positionals;
  const command = name !== undefined && isAdminCommand(name) ? COMMANDS[name] : undefined;
  if (!command || name === undefined) {
    throw new HqAdminError(
      'invalid_argument',
      `Unknown command ${name ?? ''}. Commands: ${Object.keys(COMMANDS).join(', ')}.`,
    );
  }
  const usage = ADMIN_USAGE.find((line) => line.startsWith(`${name} `) || line === name) ?? name;
  if (args.length !== command.args.length || args.some((arg) => arg.length === 0)) {
    throw new HqAdminError('invalid_argument', `Usage: ${usage}`);
  }
  const extra = (Object.keys(options) as (keyof AdminOptionValues)[]).filter(
    (key) => options[key] !== undefined && !command.options.includes(key),
  );
  if (extra.length > 0)
    throw new HqAdminError('invalid_argument', `${name} takes no --${extra.join(', --')}. Usage: ${usage}`);
  return name;
}

/** `error: CODE: message`, then one `  at FIELD: CODE` line per issue. */
function printRefusal(io: AdminIo, code: string, message: string, issues: readonly { path: string; code: string }[]) {
  io.err(`error: ${code}: ${message}`);
  for (const issue of issues) io.err(`  at ${issue.path || '(input)'}: ${issue.code}`);
}

/** Exit codes: 0 done, 2 refused, 3 waiting for a second operator's approval. */
export const EXIT_APPROVAL_PENDING = 3;

/**
 * Runs one admin command against HQ. Results go to `io.out` as KEY=value lines (lists as JSON
 * lines); a refusal goes to `io.err` as `error: CODE: message` and `  at FIELD: CODE` lines, and
 * returns 2. An operation that needs a second operator prints APPROVAL_ID=… and returns 3: once
 * someone else approved it in the console, the same command with --approval APPROVAL_ID runs it.
 */
export async function runAdminCommand(
  connection: AdminConnection,
  positionals: readonly string[],
  options: AdminOptionValues,
  io: AdminIo,
): Promise<number> {
  try {
    const name = checkAdminCommand(positionals, options);
    const command = COMMANDS[name];
    if (!command) return 2;
    await command.run(connection, positionals.slice(1), options, io);
    return 0;
  } catch (error) {
    if (error instanceof HqAdminError) {
      printRefusal(io, error.code, error.message, error.issues);
      return 2;
    }
    if (error instanceof AdminClientError || error instanceof MailRelayError) {
      printRefusal(io, error.code, error.message, []);
      return 2;
    }
    if (error instanceof ConsoleApiError) {
      if (error.body.code === 'approval_required' && error.body.approvalId !== undefined) {
        io.out(`APPROVAL_ID=${error.body.approvalId}`);
        io.err(
          `error: approval_required: A second operator must approve this in the console (Approvals); then run the same command with --approval ${error.body.approvalId}.`,
        );
        return EXIT_APPROVAL_PENDING;
      }
      printRefusal(io, error.body.code, error.body.message, error.body.issues ?? []);
      return 2;
    }
    throw error;
  }
}

/** The admin part of a raw argument list, or null when an option is unknown or malformed. */
export function parseAdminArgv(argv: readonly string[]): { positionals: string[]; options: AdminOptionValues } | null {
  try {
    const parsed = parseArgs({ args: [...argv], options: ADMIN_OPTIONS, allowPositionals: true, strict: true });
    return { positionals: parsed.positionals, options: parsed.values };
  } catch (error) {
    if (error instanceof TypeError) return null;
    throw error;
  }
}

export const MALFORMED_OPTION = 'error: invalid_argument: Unknown or malformed option.';

/** runAdminCommand on a raw argument list (what main.ts does after its own options). */
export async function runAdminArgv(connection: AdminConnection, argv: readonly string[], io: AdminIo): Promise<number> {
  const parsed = parseAdminArgv(argv);
  if (!parsed) {
    io.err(MALFORMED_OPTION);
    return 2;
  }
  return runAdminCommand(connection, parsed.positionals, parsed.options, io);
}
