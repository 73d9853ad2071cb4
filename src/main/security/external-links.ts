/**
 * Which links may leave the app for the system browser (`shell.openExternal`). Only https, only
 * hosts listed here exactly (no subdomains, no userinfo, no explicit port). Everything else (http,
 * file:, mailto:, custom protocol handlers, smb://…) is refused: `openExternal` on an attacker's
 * URL can start arbitrary programs.
 *
 * Empty for now. When the privacy notice gets a public URL, add its host here (and a test).
 */
export const EXTERNAL_LINK_HOSTS: readonly string[] = Object.freeze([]);

const MAX_URL_LENGTH = 2048;

export interface ExternalLinkPolicy {
  /** The normalized URL to hand to `shell.openExternal`, or null when the link must not open. */
  check(url: unknown): string | null;
}

export function createExternalLinkPolicy(allowedHosts: readonly string[] = EXTERNAL_LINK_HOSTS): ExternalLinkPolicy {
  const hosts: ReadonlySet<string> = new Set(allowedHosts.map((h) => h.toLowerCase()));
  return {
    check(url) {
      if (typeof url !== 'string' || url.length === 0 || url.length > MAX_URL_LENGTH) return null;
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        return null;
      }
      if (parsed.protocol !== 'https:') return null;
      if (parsed.username !== '' || parsed.password !== '' || parsed.port !== '') return null;
      if (!hosts.has(parsed.hostname)) return null;
      return parsed.href;
    },
  };
}
