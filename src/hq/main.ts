// npm run hq -- [--data-dir DIR] [--port N] [--host H] [--cert FILE --key FILE]
// npm run hq -- [--data-dir DIR] create-store NAME | issue-pairing-code STORE_ID | revoke-device DEVICE_ID
// DATABASE_URL selects PostgreSQL; without it HQ runs on embedded PGlite in <data-dir>/pgdata.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createStore, issuePairingCode, revokeDevice } from './admin';
import { HqAdminError } from './errors';
import { openHqDatabase } from './open-database';
import { buildHqServer } from './server';
import { loadOrCreateTls } from './tls';

const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      'data-dir': { type: 'string', default: 'hq-data' },
      port: { type: 'string', default: '8443' },
      host: { type: 'string', default: '127.0.0.1' },
      cert: { type: 'string' },
      key: { type: 'string' },
    },
  });
  const dataDir = resolve(values['data-dir']);
  const databaseUrl = process.env.DATABASE_URL || undefined;
  const db = await openHqDatabase(databaseUrl ? { dataDir, databaseUrl } : { dataDir });
  const [command, argument] = positionals;

  if (command !== undefined) {
    try {
      if (!argument) throw new HqAdminError('invalid_argument', `${command} needs an argument.`);
      if (command === 'create-store') out(`STORE_ID=${(await createStore({ db }, argument)).storeId}`);
      else if (command === 'issue-pairing-code') {
        const issued = await issuePairingCode({ db }, argument);
        out(`PAIRING_CODE=${issued.pairingCode}`);
        out(`EXPIRES_AT=${issued.expiresAt.toISOString()}`);
      } else if (command === 'revoke-device')
        out(`REVOKED_AT=${(await revokeDevice({ db }, argument)).revokedAt.toISOString()}`);
      else throw new HqAdminError('invalid_argument', `Unknown command ${command}.`);
      return 0;
    } catch (error) {
      if (error instanceof HqAdminError) {
        process.stderr.write(`error: ${error.code}: ${error.message}\n`);
        return 2;
      }
      throw error;
    } finally {
      await db.close();
    }
  }

  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('--port must be 0..65535');
  const tls = await loadOrCreateTls({
    dataDir,
    ...(values.cert !== undefined ? { certPath: values.cert } : {}),
    ...(values.key !== undefined ? { keyPath: values.key } : {}),
  });
  const app = buildHqServer({ db, tls, logger: { level: process.env.HQ_LOG_LEVEL ?? 'info' } });
  await app.listen({ host: values.host, port });
  const address = app.server.address();
  const actualPort = typeof address === 'object' && address !== null ? address.port : port;
  const host = values.host.includes(':') ? `[${values.host}]` : values.host;
  out(`HQ_URL=https://${host}:${actualPort}`);
  out(`HQ_CERT_SHA256=${tls.fingerprint256}`);
  out(`HQ_DATABASE=${db.kind}`);
  const stop = async (): Promise<void> => {
    await app.close();
    await db.close();
    process.exit(0);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stop());
  return -1;
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
