/**
 * Whether a passkey can be used on a console opened at `hostname`: WebAuthn takes the host name as
 * the relying party's id and refuses an IP address there, so a console opened by address offers no
 * passkeys (HQ refuses them too, with passkey_unavailable).
 */
export function passkeysPossibleAt(hostname: string): boolean {
  const host = hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') return false;
  if (host.includes(':')) return false; // IPv6
  return !/^\d{1,3}(\.\d{1,3}){3}$/.test(host);
}

/** A refusal of the browser's own (cancelled, timed out, no authenticator) rather than HQ's. */
export function isBrowserWebAuthnError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'WebAuthnError' || error instanceof DOMException);
}
