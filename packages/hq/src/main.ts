// npm run hq -- [--data-dir DIR] [--port N] [--host H] [--cert FILE --key FILE]      runs the HQ server
//   (--data-dir defaults to the OS's app-data folder, never the checkout: Linux $XDG_DATA_HOME/loyalty-desk-hq,
//   macOS ~/Library/Application Support/Loyalty Desk HQ, Windows %APPDATA%\Loyalty Desk HQ)
// npm run hq -- --demo [--demo-members N] …   the same, after seeding a demo store, catalogue, staff (public demo
//                                              PINs) and N synthetic members (once), with a fresh PAIRING_CODE
// npm run hq -- [--data-dir DIR] COMMAND …                                            runs one admin command:
//   create-store NAME                          prints STORE_ID
//   issue-pairing-code STORE_ID                prints PAIRING_CODE (once; valid 10 minutes), EXPIRES_AT
//   revoke-device DEVICE_ID                    prints REVOKED_AT
//   add-staff (--store STORE_ID | --chain) --name NAME --role cashier|manager
//                                              prints STAFF_ID and TEMPORARY_PIN (shown once; changed at first login)
//   set-staff-status STAFF_ID active|inactive  prints STAFF_STATUS, STAFF_VERSION
//   reset-staff-pin STAFF_ID                   prints a new TEMPORARY_PIN (shown once)
//   load-catalog FILE.json                     rewards, earn rules and store settings in one transaction
//                                              (e.g. resources/demo/hq-catalog.json); a bad file changes nothing
//   request-erasure MEMBER_ID                  erases a member at HQ; tills delete it at their next pull
//   list-overdrafts [--store STORE_ID]         one JSON line per flagged redemption (ids, points, times)
//   list-rejected [--store STORE_ID] [--device DEVICE_ID]
//                                              one JSON line per rejected op (ids, reason code, times)
//   list-flagged [--store STORE_ID] [--reason earn_recomputed|redeem_recomputed|reversal_recomputed]
//                                              one JSON line per op HQ applied with its own figure (both figures)
// A refused command prints `error: CODE: message` (and `  at FIELD: CODE` lines) and exits 2.
// DATABASE_URL selects PostgreSQL; without it HQ runs on embedded PGlite in <data-dir>/pgdata, which
// only one process may open (<data-dir>/pgdata.lock). While the server runs there, a command goes
// through its loopback admin endpoint (<data-dir>/hq-admin.json: URL, certificate pin, token, 0600);
// while another command holds the folder, a command refuses (`error: data_dir_locked: …`, exit 2).
// The admin endpoint takes loopback peers only: with --host set to one non-loopback address, commands
// cannot reach it and refuse (`error: hq_unreachable: …`); listen on 0.0.0.0 or :: to use them.
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import demoStaff from '../../../resources/demo/staff.json';
import { newAdminToken, readAdminEndpoint, removeAdminEndpoint, writeAdminEndpoint } from './admin/admin-endpoint-file';
import { adminTokenAccess } from './admin/admin-route';
import { ADMIN_OPTIONS, ADMIN_USAGE, runAdminCommand, type AdminIo, type AdminOptionValues } from './admin/cli';
import { issuePairingCode } from './admin/devices';
import { AdminClientError, runAdminCommandThroughServer } from './admin/remote-command';
import { DataDirLockedError } from './db/data-dir-lock';
import { seedDemoHq } from './demo/seed-demo-hq';
import { openHqDatabase } from './open-database';
import { buildHqServer } from './server';
import { loadOrCreateTls } from './tls';
import { defaultHqDataDir } from './default-data-dir';

const COMMAND_WAIT_MS = 15_000;

const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};
const errLine = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      'data-dir': { type: 'string' },
      port: { type: 'string', default: '8443' },
      host: { type: 'string', default: '127.0.0.1' },
      cert: { type: 'string' },
      key: { type: 'string' },
      demo: { type: 'boolean', default: false },
      'demo-members': { type: 'string', default: '2000' },
      help: { type: 'boolean', short: 'h', default: false },
      ...ADMIN_OPTIONS,
    },
  });
  if (values.help) {
    out(
      'usage: npm run hq -- [--data-dir DIR] [--port N] [--host H] [--cert FILE --key FILE] [--demo [--demo-members N]]',
    );
    out('       npm run hq -- [--data-dir DIR] COMMAND …   (DATABASE_URL=postgres://… for PostgreSQL)');
    for (const line of ADMIN_USAGE) out(`  ${line}`);
    return 0;
  }
  const dataDir = resolve(
    values['data-dir'] ??
      defaultHqDataDir({
        platform: process.platform,
        home: homedir(),
        vars: { XDG_DATA_HOME: process.env.XDG_DATA_HOME, APPDATA: process.env.APPDATA },
      }),
  );
  const databaseUrl = process.env.DATABASE_URL || undefined;
  if (positionals.length > 0) {
    const { store, chain, name, role, device, reason } = values;
    return runCommand(dataDir, databaseUrl, positionals, { store, chain, name, role, device, reason });
  }

  let db;
  for (const started = Date.now(); ;) {
    try {
      db = await openHqDatabase(databaseUrl ? { dataDir, databaseUrl } : { dataDir, role: 'server' });
      break;
    } catch (error) {
      if (!(error instanceof DataDirLockedError)) throw error;
      // An operator's command is over in moments: a server (re)starting meanwhile waits for it.
      if (error.holder?.role === 'command' && Date.now() - started < COMMAND_WAIT_MS) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        continue;
      }
      errLine(`error: ${error.code}: ${error.message} A second HQ on the same folder would lose writes.`);
      return 2;
    }
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('--port must be 0..65535');
  const tls = await loadOrCreateTls({
    dataDir,
    ...(values.cert !== undefined ? { certPath: values.cert } : {}),
    ...(values.key !== undefined ? { keyPath: values.key } : {}),
  });
  // On PGlite only this process may touch the folder, so commands come in through the server.
  const adminToken = db.kind === 'pglite' ? newAdminToken() : undefined;
  const app = buildHqServer({
    db,
    tls,
    logger: { level: process.env.HQ_LOG_LEVEL ?? 'info' },
    ...(adminToken !== undefined ? { admin: { access: adminTokenAccess(adminToken) } } : {}),
  });
  await app.listen({ host: values.host, port });
  const address = app.server.address();
  const actualPort = typeof address === 'object' && address !== null ? address.port : port;
  const host = values.host.includes(':') ? `[${values.host}]` : values.host;
  if (adminToken !== undefined) {
    writeAdminEndpoint(dataDir, {
      url: `https://${loopbackFor(values.host)}:${actualPort}`,
      certSha256: tls.fingerprint256,
      token: adminToken,
      pid: process.pid,
    });
  }
  out(`HQ_URL=https://${host}:${actualPort}`);
  out(`HQ_CERT_SHA256=${tls.fingerprint256}`);
  out(`HQ_DATABASE=${db.kind}`);
  if (values.demo) {
    const count = Number(values['demo-members']);
    if (!Number.isInteger(count) || count < 0) throw new Error('--demo-members must be a whole number');
    const { storeId, created } = await seedDemoHq({ db, now: () => new Date() }, { syntheticMembers: count });
    const { pairingCode, expiresAt } = await issuePairingCode({ db }, storeId);
    out(`DEMO_STORE_ID=${storeId}${created ? '' : ' (existing)'}`);
    for (const staff of demoStaff.staff) out(`DEMO_STAFF=${staff.displayName} (${staff.role}) PIN ${staff.pin}`);
    out(`PAIRING_CODE=${pairingCode}`);
    out(`EXPIRES_AT=${expiresAt.toISOString()}`);
  }
  const stop = async (): Promise<void> => {
    if (adminToken !== undefined) removeAdminEndpoint(dataDir, adminToken);
    await app.close();
    await db.close();
    process.exit(0);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stop());
  return -1;
}

/** The loopback address that reaches a server listening on `host` (the admin endpoint takes loopback peers only). */
function loopbackFor(host: string): string {
  return host === '::' || host === '::1' ? '[::1]' : '127.0.0.1';
}

/**
 * One admin command. PostgreSQL: directly (every client sees every commit). PGlite: directly if this
 * process can take the folder; through the running server if the server holds it; refused if
 * another command does (nothing is done: the command never reports work nobody will see).
 */
async function runCommand(
  dataDir: string,
  databaseUrl: string | undefined,
  positionals: string[],
  options: AdminOptionValues,
): Promise<number> {
  const io: AdminIo = { out, err: errLine };
  let db;
  try {
    db = await openHqDatabase(databaseUrl ? { dataDir, databaseUrl } : { dataDir, role: 'command' });
  } catch (error) {
    if (!(error instanceof DataDirLockedError)) throw error;
    return runThroughServer(dataDir, error, positionals, options, io);
  }
  try {
    return await runAdminCommand({ db }, positionals, options, io);
  } finally {
    await db.close();
  }
}

async function runThroughServer(
  dataDir: string,
  locked: DataDirLockedError,
  positionals: string[],
  options: AdminOptionValues,
  io: AdminIo,
): Promise<number> {
  try {
    if (locked.holder?.role !== 'server') throw locked;
    const endpoint = readAdminEndpoint(dataDir);
    // A file left by an earlier server is not this one's: never send a token to whatever took its port.
    if (endpoint?.pid !== locked.holder.pid) {
      throw new AdminClientError(
        'hq_unreachable',
        `HQ (pid ${locked.holder.pid}) holds the data folder but has not published its admin address yet; try again in a moment.`,
      );
    }
    return await runAdminCommandThroughServer(endpoint, positionals, options, io);
  } catch (error) {
    if (!(error instanceof AdminClientError) && !(error instanceof DataDirLockedError)) throw error;
    io.err(`error: ${error.code}: ${error.message}`);
    return 2;
  }
}

main().then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(
      `hq failed: ${error instanceof Error ? error.name : 'error'}: ${error instanceof Error ? error.message : ''}\n`,
    );
    process.exit(1);
  },
);
