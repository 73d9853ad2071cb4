import { parseArgs } from 'node:util';
import { HqAdminError } from '../errors';
import { loadCatalog, readCatalogJson } from './catalog';
import type { AdminDeps } from './deps';
import { issuePairingCode, revokeDevice } from './devices';
import { requestErasure } from './erasure';
import { listFlaggedOps, listOverdrafts, listRejectedOps } from './reports';
import { addStaff, resetStaffPin, setStaffStatus } from './staff';
import { createStore } from './stores';

/** The admin commands of `npm run hq -- <command>`, as shown by the usage text. */
export const ADMIN_USAGE = [
  'create-store NAME',
  'issue-pairing-code STORE_ID',
  'revoke-device DEVICE_ID',
  'add-staff (--store STORE_ID | --chain) --name NAME --role cashier|manager',
  'set-staff-status STAFF_ID active|inactive',
  'reset-staff-pin STAFF_ID',
  'load-catalog FILE.json',
  'request-erasure MEMBER_ID',
  'list-overdrafts [--store STORE_ID]',
  'list-rejected [--store STORE_ID] [--device DEVICE_ID]',
  'list-flagged [--store STORE_ID] [--reason earn_recomputed|redeem_recomputed|reversal_recomputed]',
] as const;

/** Options of the admin commands (main.ts adds the server's own). */
export const ADMIN_OPTIONS = {
  store: { type: 'string' },
  chain: { type: 'boolean' },
  name: { type: 'string' },
  role: { type: 'string' },
  device: { type: 'string' },
  reason: { type: 'string' },
} as const;

export interface AdminOptionValues {
  store?: string | undefined;
  chain?: boolean | undefined;
  name?: string | undefined;
  role?: string | undefined;
  device?: string | undefined;
  reason?: string | undefined;
}

export interface AdminIo {
  out(line: string): void;
  err(line: string): void;
  /**
   * Reads load-catalog's FILE as JSON. Default: this machine's file system (readCatalogJson). At the
   * running server: the contents the command line read and sent, never a path on the server.
   */
  readCatalog?(path: string): Promise<unknown>;
}

interface Command {
  /** Names of the positional arguments after the command. */
  args: readonly string[];
  options: readonly (keyof AdminOptionValues)[];
  run(deps: AdminDeps, args: string[], options: AdminOptionValues, io: AdminIo): Promise<void>;
}

/** Issue paths of add-staff as the operator typed them. */
const STAFF_FIELDS: Record<string, string> = { displayName: '--name', role: '--role', storeId: '--store' };

const COMMANDS: Record<string, Command> = {
  'create-store': {
    args: ['NAME'],
    options: [],
    async run(deps, [name], _o, io) {
      io.out(`STORE_ID=${(await createStore(deps, name ?? '')).storeId}`);
    },
  },
  'issue-pairing-code': {
    args: ['STORE_ID'],
    options: [],
    async run(deps, [storeId], _o, io) {
      const issued = await issuePairingCode(deps, storeId ?? '');
      io.out(`PAIRING_CODE=${issued.pairingCode}`);
      io.out(`EXPIRES_AT=${issued.expiresAt.toISOString()}`);
    },
  },
  'revoke-device': {
    args: ['DEVICE_ID'],
    options: [],
    async run(deps, [deviceId], _o, io) {
      io.out(`REVOKED_AT=${(await revokeDevice(deps, deviceId ?? '')).revokedAt.toISOString()}`);
    },
  },
  'add-staff': {
    args: [],
    options: ['store', 'chain', 'name', 'role'],
    async run(deps, _a, options, io) {
      if ((options.store === undefined) === (options.chain !== true)) {
        throw new HqAdminError('invalid_argument', 'Give either --store STORE_ID or --chain.');
      }
      if (options.name === undefined || options.role === undefined) {
        throw new HqAdminError('invalid_argument', 'add-staff needs --name NAME and --role cashier|manager.');
      }
      try {
        const added = await addStaff(deps, {
          storeId: options.store ?? null,
          displayName: options.name,
          role: options.role as 'cashier' | 'manager',
        });
        io.out(`STAFF_ID=${added.staffId}`);
        // Shown once: HQ keeps only its hash. The staff member must change it at the first login.
        io.out(`TEMPORARY_PIN=${added.temporaryPin}`);
      } catch (error) {
        if (!(error instanceof HqAdminError)) throw error;
        const issues = error.issues.map((issue) => ({ ...issue, path: STAFF_FIELDS[issue.path] ?? issue.path }));
        throw new HqAdminError(error.code, error.message, issues);
      }
    },
  },
  'set-staff-status': {
    args: ['STAFF_ID', 'STATUS'],
    options: [],
    async run(deps, [staffId, status], _o, io) {
      const result = await setStaffStatus(deps, staffId ?? '', status ?? '');
      io.out(`STAFF_STATUS=${result.status}`);
      io.out(`STAFF_VERSION=${result.version}`);
      if (!result.changed) io.out('UNCHANGED=true');
    },
  },
  'reset-staff-pin': {
    args: ['STAFF_ID'],
    options: [],
    async run(deps, [staffId], _o, io) {
      const reset = await resetStaffPin(deps, staffId ?? '');
      io.out(`STAFF_ID=${reset.staffId}`);
      io.out(`TEMPORARY_PIN=${reset.temporaryPin}`);
    },
  },
  'load-catalog': {
    args: ['FILE'],
    options: [],
    async run(deps, [file], _o, io) {
      const loaded = await loadCatalog(deps, await (io.readCatalog ?? readCatalogJson)(file ?? ''));
      io.out(`REWARDS_ADDED=${loaded.rewardsAdded}`);
      io.out(`REWARDS_CHANGED=${loaded.rewardsChanged}`);
      io.out(`REWARDS_DEACTIVATED=${loaded.rewardsDeactivated}`);
      io.out(`STORES_CHANGED=${loaded.storesChanged}`);
    },
  },
  'request-erasure': {
    args: ['MEMBER_ID'],
    options: [],
    async run(deps, [memberId], _o, io) {
      const erased = await requestErasure(deps, memberId ?? '');
      io.out(`ERASED_AT=${erased.erasedAt.toISOString()}`);
      io.out(`ALREADY_ERASED=${erased.alreadyErased}`);
      io.out(`OPS_SCRUBBED=${erased.opsScrubbed}`);
    },
  },
  'list-overdrafts': {
    args: [],
    options: ['store'],
    async run(deps, _a, options, io) {
      const filter = options.store !== undefined ? { storeId: options.store } : {};
      for await (const row of listOverdrafts(deps.db, filter)) io.out(JSON.stringify(row));
    },
  },
  'list-rejected': {
    args: [],
    options: ['store', 'device'],
    async run(deps, _a, options, io) {
      const filter = {
        ...(options.store !== undefined ? { storeId: options.store } : {}),
        ...(options.device !== undefined ? { deviceId: options.device } : {}),
      };
      for await (const row of listRejectedOps(deps.db, filter)) io.out(JSON.stringify(row));
    },
  },
  // Ops HQ applied with its own figure instead of the till's: both figures, ids and times, no names.
  'list-flagged': {
    args: [],
    options: ['store', 'reason'],
    async run(deps, _a, options, io) {
      const filter = {
        ...(options.store !== undefined ? { storeId: options.store } : {}),
        ...(options.reason !== undefined ? { reason: options.reason } : {}),
      };
      for await (const row of listFlaggedOps(deps.db, filter)) io.out(JSON.stringify(row));
    },
  },
};

export const isAdminCommand = (name: string): boolean => Object.hasOwn(COMMANDS, name);

/**
 * The command `positionals` name, checked against its usage (argument count, options it takes).
 * Throws HqAdminError: the command line runs this before sending a command to the running server,
 * so a mistyped command reads the same either way.
 */
export function checkAdminCommand(positionals: readonly string[], options: AdminOptionValues): string {
  return resolveCommand(positionals, options).name;
}

function resolveCommand(
  positionals: readonly string[],
  options: AdminOptionValues,
): { name: string; command: Command } {
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
  return { name, command };
}

/** `error: CODE: message`, then one `  at FIELD: CODE` line per issue. */
export function printAdminError(io: AdminIo, error: HqAdminError): void {
  io.err(`error: ${error.code}: ${error.message}`);
  for (const issue of error.issues) io.err(`  at ${issue.path || '(file)'}: ${issue.code}`);
}

/**
 * Runs one admin command. Results go to `io.out` as KEY=value lines (reports as JSON lines); a
 * refusal goes to `io.err` as `error: CODE: message` and one `  at FIELD: CODE` line per issue, and
 * returns 2. Other errors are thrown (main.ts prints their name only).
 */
export async function runAdminCommand(
  deps: AdminDeps,
  positionals: readonly string[],
  options: AdminOptionValues,
  io: AdminIo,
): Promise<number> {
  try {
    const { command } = resolveCommand(positionals, options);
    await command.run(deps, positionals.slice(1), options, io);
    return 0;
  } catch (error) {
    if (!(error instanceof HqAdminError)) throw error;
    printAdminError(io, error);
    return 2;
  }
}

/** The admin part of a raw argument list, or null when an option is unknown or malformed. */
export function parseAdminArgv(argv: readonly string[]): { positionals: string[]; options: AdminOptionValues } | null {
  try {
    const parsed = parseArgs({ args: [...argv], options: ADMIN_OPTIONS, allowPositionals: true, strict: true });
    return { positionals: parsed.positionals, options: parsed.values };
  } catch {
    return null;
  }
}

export const MALFORMED_OPTION = 'error: invalid_argument: Unknown or malformed option.';

/** runAdminCommand on a raw argument list (what main.ts does after its own options). */
export async function runAdminArgv(deps: AdminDeps, argv: readonly string[], io: AdminIo): Promise<number> {
  const parsed = parseAdminArgv(argv);
  if (!parsed) {
    io.err(MALFORMED_OPTION);
    return 2;
  }
  return runAdminCommand(deps, parsed.positionals, parsed.options, io);
}
