import { CHANNELS } from '../../shared/ipc/channels';
import { createLoyaltyApi } from '../../shared/ipc/api';

/**
 * Test harness only: gives the unmodified renderer the same `window.loyalty` the preload gives it
 * in Electron, but over loopback HTTP to the real router. The per-run token arrives in the URL
 * fragment (never sent to the server in the request line) and is removed from the address bar.
 * It is the harness's stand-in for the sender-frame check; the Electron preload has no token at all.
 */
const TOKEN_KEY = 'loyalty-harness-token';
const params = new URLSearchParams(window.location.hash.slice(1));
// Kept for this tab only, so a reload keeps working once the fragment is gone from the address bar.
const token = params.get('token') ?? sessionStorage.getItem(TOKEN_KEY) ?? '';
sessionStorage.setItem(TOKEN_KEY, token);
history.replaceState(null, '', window.location.pathname + window.location.search);

async function invoke(channel: string, request: unknown): Promise<unknown> {
  const response = await fetch(`/__harness/ipc/${encodeURIComponent(channel)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(request === undefined ? null : request),
  });
  return response.json();
}

Object.defineProperty(window, 'loyalty', {
  value: createLoyaltyApi(CHANNELS, invoke),
  writable: false,
  configurable: false,
});
