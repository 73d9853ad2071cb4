import { createAppServices, type AppServices } from '../../src/main/app/create-app-services';
import { createMemoryLogger } from '../../src/main/logging/logger';
import { createTestKeychain, type TestKeychain } from './keychain';
import { makeTempDir } from './temp-dir';

export const APP_ORIGIN = 'app://loyalty';
export const OWN_FRAME = { senderUrl: `${APP_ORIGIN}/index.html`, isTopFrame: true } as const;

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
export async function startTestApp(
  existing?: { dataDir: string; keychain: TestKeychain },
  now?: () => Date,
): Promise<TestApp> {
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
    ...(now ? { now } : {}),
  });
  const app: TestApp = {
    services,
    keychain,
    dataDir,
    logLines: logger.lines,
    call: async (channel, payload) => (await services.router.handle(channel, payload, OWN_FRAME)) as never,
    reopen: async () => {
      services.close();
      return startTestApp({ dataDir, keychain }, now);
    },
    dispose: async () => {
      services.close();
      await keychain.cleanup();
      if (dir) dir.remove();
    },
  };
  return app;
}
