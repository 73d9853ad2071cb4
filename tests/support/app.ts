import { randomUUID } from 'node:crypto';
import { createAppServices, type AppServices } from '../../src/main/app/create-app-services';
import { CHANNELS, type Channel } from '../../src/shared/ipc/channels';
import { isWriteChannel } from '../../src/shared/ipc/contract';
import { createMemoryLogger } from '../../src/main/logging/logger';
import { createTestKeychain, type TestKeychain } from './keychain';
import { makeTempDir } from './temp-dir';

export const APP_ORIGIN = 'app://loyalty';
export const OWN_FRAME = { senderUrl: `${APP_ORIGIN}/index.html`, isTopFrame: true } as const;

/**
 * A write channel's payload with a fresh client request id, as a form's new intent would send it,
 * unless the test chose one (or sent something that is not an object, to test the refusal).
 */
export function withRequestId(channel: unknown, payload: unknown): unknown {
  const write = typeof channel === 'string' && (CHANNELS as readonly string[]).includes(channel);
  if (!write || !isWriteChannel(channel as Channel)) return payload;
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload) || 'requestId' in payload)
    return payload;
  return { requestId: randomUUID(), ...payload };
}

export interface TestApp {
  services: AppServices;
  keychain: TestKeychain;
  dataDir: string;
  logLines: string[];
  call<T = unknown>(channel: string, payload: unknown): Promise<T>;
  reopen(): Promise<TestApp>;
  dispose(): Promise<void>;
}

/** The real services on a fresh temp data folder and a real, private secret-store service name. */
export const TEST_CASHIER = { staffId: 'test-cashier', displayName: 'Test Cashier', role: 'cashier' } as const;
export const TEST_MANAGER = { staffId: 'test-manager', displayName: 'Test Manager', role: 'manager' } as const;

export interface TestAppOptions {
  now?: () => Date;
  /** Who is signed in at start: a session opened directly (no PIN), or nobody (the app's real start). */
  signedIn?: typeof TEST_CASHIER | typeof TEST_MANAGER | null;
  extra?: Partial<Parameters<typeof createAppServices>[0]>;
}

export async function startTestApp(
  existing?: { dataDir: string; keychain: TestKeychain },
  options: TestAppOptions = {},
): Promise<TestApp> {
  const { now } = options;
  const signedIn = options.signedIn === undefined ? TEST_CASHIER : options.signedIn;
  const dir = existing ? null : makeTempDir();
  const dataDir = existing?.dataDir ?? dir!.path;
  const keychain = existing?.keychain ?? (await createTestKeychain());
  const logger = createMemoryLogger();
  const services = await createAppServices({
    dataDir,
    keychain: keychain.keychain,
    logger,
    version: '0.0.0-test',
    isTrustedSenderUrl: (url) => url.startsWith(`${APP_ORIGIN}/`),
    // A test that moves its clock by hand means time passing: durations follow it too, unless the
    // test hands over a monotonic clock of its own (tests/integration/clock-changes).
    ...(now ? { now, monotonicMs: () => now().getTime() } : {}),
    ...options.extra,
  });
  if (signedIn) services.sessions.open({ ...signedIn, startedAt: new Date().toISOString() });
  const app: TestApp = {
    services,
    keychain,
    dataDir,
    logLines: logger.lines,
    call: async (channel, payload) =>
      (await services.router.handle(channel, withRequestId(channel, payload), OWN_FRAME)) as never,
    reopen: async () => {
      await services.close();
      return startTestApp({ dataDir, keychain }, options);
    },
    dispose: async () => {
      await services.close();
      await keychain.cleanup();
      if (dir) dir.remove();
    },
  };
  return app;
}
