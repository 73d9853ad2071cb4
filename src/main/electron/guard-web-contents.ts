import type { Shell, WebContents } from 'electron';
import type { Logger } from '../logging/logger';
import type { ExternalLinkPolicy } from '../security/external-links';

export type GuardableWebContents = Pick<WebContents, 'on' | 'setWindowOpenHandler'>;

export interface GuardOptions {
  /** Our own renderer URLs: the only places a frame may navigate to. */
  isTrustedUrl: (url: string) => boolean;
  externalLinks: ExternalLinkPolicy;
  shell: Pick<Shell, 'openExternal'>;
  logger: Logger;
}

interface PreventableEvent {
  preventDefault(): void;
  url?: string;
}

function schemeOf(url: string): string {
  try {
    return new URL(url).protocol.replace(/:$/, '');
  } catch {
    return 'invalid';
  }
}

/**
 * Applied to every web contents the app creates (`app.on('web-contents-created')`): no navigation
 * away from our own pages, no new windows, no `<webview>`. A link to an allowlisted https host goes
 * to the system browser instead; anything else is dropped. Logs carry the URL scheme only, never
 * the URL (it could hold a member's data).
 */
export function guardWebContents(contents: GuardableWebContents, options: GuardOptions): void {
  const { isTrustedUrl, externalLinks, shell, logger } = options;

  const openOutside = (url: string, via: string) => {
    const allowed = externalLinks.check(url);
    if (allowed === null) {
      logger.warn('navigation.refused', { reason: via, code: schemeOf(url) });
      return;
    }
    shell.openExternal(allowed).catch(() => logger.warn('navigation.open_external_failed', { reason: via }));
  };

  const guardNavigation = (via: string) => (event: PreventableEvent, url?: string) => {
    const target = typeof event.url === 'string' ? event.url : (url ?? '');
    if (isTrustedUrl(target)) return;
    event.preventDefault();
    openOutside(target, via);
  };

  contents.on('will-navigate', guardNavigation('will-navigate'));
  contents.on('will-frame-navigate', guardNavigation('will-frame-navigate'));
  contents.on('will-redirect', guardNavigation('will-redirect'));
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    logger.warn('navigation.refused', { reason: 'webview' });
  });
  contents.setWindowOpenHandler(({ url }) => {
    openOutside(url, 'window-open');
    return { action: 'deny' };
  });
}
