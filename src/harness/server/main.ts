import { randomBytes } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { version } from '../../../package.json';
import { createAppServices } from '../../main/app/create-app-services';
import { DEFAULT_LOCKOUT_POLICY, scaledPolicy } from '../../main/auth/lockout-policy';
import { openOsKeychain } from '../../main/keychain/keychain';
import { createConsoleLogger } from '../../main/logging/logger';
import { DetectionPolicy } from '../../shared/detection/policy';
import { AppError } from '../../shared/errors';
import { startHarness } from './harness-server';

export const HARNESS_KEYCHAIN_SERVICE = 'Loyalty Desk (test harness)';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'data-dir': { type: 'string' },
      port: { type: 'string', default: '0' },
      demo: { type: 'boolean', default: false },
      'demo-staff': { type: 'boolean', default: false },
      'pin-delay-scale': { type: 'string' },
    },
  });
  const dataDir = values['data-dir'];
  if (!dataDir) {
    process.stderr.write(
      'usage: npm run harness -- --data-dir DIR [--port N] [--demo | --demo-staff] [--pin-delay-scale F]\n',
    );
    process.exit(2);
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write('--port must be an integer between 0 and 65535\n');
    process.exit(2);
  }
  const delayScale = values['pin-delay-scale'] === undefined ? 1 : Number(values['pin-delay-scale']);
  if (!Number.isFinite(delayScale) || delayScale < 0 || delayScale > 1) {
    process.stderr.write('--pin-delay-scale must be a number from 0 to 1\n');
    process.exit(2);
  }
  const logger = createConsoleLogger();
  const rendererRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../renderer');
  const token = randomBytes(32).toString('base64url');
  let origin = '';
  const keychain = await openOsKeychain(process.env.LOYALTY_KEYCHAIN_SERVICE ?? HARNESS_KEYCHAIN_SERVICE);
  const services = await createAppServices({
    dataDir: resolve(dataDir),
    keychain,
    logger,
    version,
    demo: values.demo ? true : values['demo-staff'] ? 'staff' : false,
    // Test tooling only: shortens the wrong-PIN delays so an end-to-end test can walk a lockout.
    lockoutPolicy: scaledPolicy(DEFAULT_LOCKOUT_POLICY, delayScale),
    // The HTTP layer already checked the token and Origin; this pins calls to the harness page.
    isTrustedSenderUrl: (url) => origin !== '' && new URL(url).origin === origin,
    // A paired harness syncs with its HQ like the app: in the worker thread next to this file.
    syncWorkerPath: fileURLToPath(new URL('./sync-worker.js', import.meta.url)),
    // Set by `npm start -- --browser` and the e2e fixture next to an embedded demo HQ.
    ...(process.env.LOYALTY_HQ_URL && process.env.LOYALTY_HQ_CERT_SHA256 && process.env.LOYALTY_PAIRING_CODE
      ? {
          autoPair: {
            hqUrl: process.env.LOYALTY_HQ_URL,
            certSha256: process.env.LOYALTY_HQ_CERT_SHA256,
            pairingCode: process.env.LOYALTY_PAIRING_CODE,
            deviceName: 'Demo till',
          },
        }
      : {}),
    ...(process.env.LOYALTY_SYNC_INTERVAL_MS
      ? {
          syncTiming: {
            intervalMs: Number(process.env.LOYALTY_SYNC_INTERVAL_MS),
            baseBackoffMs: 500,
            maxBackoffMs: 5_000,
          },
        }
      : {}),
  });
  // Test tooling only: a store's detection policy as HQ would send it (an e2e walk of a snooping
  // cashier cannot open the default threshold's 40 members). Stored like a pulled one.
  if (process.env.LOYALTY_DETECTION_POLICY) {
    services.settings.setDetectionPolicy(DetectionPolicy.parse(JSON.parse(process.env.LOYALTY_DETECTION_POLICY)));
  }
  const harness = await startHarness({ rendererRoot, router: services.router, token, port });
  origin = harness.origin;
  process.stdout.write(`HARNESS_URL=${harness.url}\n`);

  const stop = () => {
    void harness
      .close()
      .then(() => services.close())
      .finally(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  if (error instanceof AppError) process.stderr.write(`harness: ${error.code}: ${error.message}\n`);
  else {
    // System errors carry a code such as EADDRINUSE; their messages may hold paths, so print the code.
    const code = (error as { code?: unknown } | null)?.code;
    process.stderr.write(
      `harness: failed to start: ${typeof code === 'string' ? code : error instanceof Error ? error.name : 'error'}\n`,
    );
  }
  process.exit(1);
});
