import { join } from 'node:path';

/**
 * Where `npm run hq` keeps its data (TLS private key, chain secrets, member data) when no
 * --data-dir is given: the OS's application-data folder, never inside a checkout where it could be
 * committed or shipped. The same places Electron's app.getPath('appData') uses.
 */
export function defaultHqDataDir(env: {
  platform: NodeJS.Platform;
  home: string;
  vars: { XDG_DATA_HOME?: string | undefined; APPDATA?: string | undefined };
}): string {
  const name = 'Loyalty Desk HQ';
  switch (env.platform) {
    case 'win32':
      return join(env.vars.APPDATA || join(env.home, 'AppData', 'Roaming'), name);
    case 'darwin':
      return join(env.home, 'Library', 'Application Support', name);
    default:
      return join(env.vars.XDG_DATA_HOME || join(env.home, '.local', 'share'), 'loyalty-desk-hq');
  }
}
