import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CONSOLE_ENDPOINTS } from '../../packages/hq/src/console/contract';
import {
  buildRequest,
  callConsole,
  ConsoleApiError,
  onUnauthorized,
  setCsrfToken,
} from '../../packages/hq/console/src/api/console-client';

const REQUEST_ID = '3f1c9a8e-2b4d-4c6e-8f10-1a2b3c4d5e6f';

function answer(status: number, body: unknown) {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

describe('buildRequest', () => {
  it('puts path parameters in the path and the rest in the body of a POST', () => {
    const request = buildRequest(CONSOLE_ENDPOINTS.revokeDevice, { requestId: REQUEST_ID, deviceId: 'dev 1/x' });
    expect(request).toEqual({
      method: 'POST',
      url: '/console/api/devices/dev%201%2Fx/revoke',
      body: JSON.stringify({ requestId: REQUEST_ID }),
    });
  });

  it('puts the rest of a GET in the query string, leaving out undefined', () => {
    expect(buildRequest(CONSOLE_ENDPOINTS.listAudit, { beforeSeq: 40, limit: undefined })).toEqual({
      method: 'GET',
      url: '/console/api/audit?beforeSeq=40',
      body: undefined,
    });
    expect(buildRequest(CONSOLE_ENDPOINTS.listStores, {}).url).toBe('/console/api/stores');
  });
});

describe('callConsole', () => {
  const fetchMock = vi.fn<typeof fetch>();
  beforeEach(() => {
    fetchMock.mockReset();
    vi.stubGlobal('fetch', fetchMock);
    setCsrfToken(null);
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    onUnauthorized(null);
  });

  it('refuses an input off the contract without sending anything', async () => {
    const error = await callConsole('createStore', { requestId: 'not-a-uuid', name: 'X' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConsoleApiError);
    expect((error as ConsoleApiError).code).toBe('bad_request');
    expect((error as ConsoleApiError).issues).toEqual([{ path: 'requestId', code: 'invalid_format' }]);
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it('sends a write as same-origin JSON with the CSRF token', async () => {
    setCsrfToken('csrf-1');
    fetchMock.mockResolvedValue(answer(200, { storeId: 'store-9' }));
    await expect(callConsole('createStore', { requestId: REQUEST_ID, name: 'Camden' })).resolves.toEqual({
      storeId: 'store-9',
    });
    const [url, init] = fetchMock.mock.calls[0]!;
    expect(url).toBe('/console/api/stores');
    expect(init).toMatchObject({
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-csrf-token': 'csrf-1' },
      body: JSON.stringify({ requestId: REQUEST_ID, name: 'Camden' }),
    });
  });

  it('sends no body and no CSRF header with a GET', async () => {
    setCsrfToken('csrf-1');
    fetchMock.mockResolvedValue(answer(200, { stores: [] }));
    await callConsole('listStores', {});
    const init = fetchMock.mock.calls[0]![1]!;
    expect(init.body).toBeUndefined();
    expect(init.headers).toEqual({ accept: 'application/json' });
  });

  it('throws the refusal with its approval id and status', async () => {
    fetchMock.mockResolvedValue(
      answer(409, { code: 'approval_required', message: 'needs a second operator', approvalId: 'apr-1' }),
    );
    const error = (await callConsole('revokeDevice', { requestId: REQUEST_ID, deviceId: 'd1' }).catch(
      (e: unknown) => e,
    )) as ConsoleApiError;
    expect(error.code).toBe('approval_required');
    expect(error.approvalId).toBe('apr-1');
    expect(error.status).toBe(409);
  });

  it('reports a 401 to the listener', async () => {
    const listener = vi.fn();
    onUnauthorized(listener);
    fetchMock.mockResolvedValue(answer(401, { code: 'unauthorized', message: 'session ended' }));
    await expect(callConsole('listStores', {})).rejects.toMatchObject({ code: 'unauthorized', status: 401 });
    expect(listener).toHaveBeenCalledWith('listStores');
  });

  it('calls an answer off the contract bad_answer, and no answer network_error', async () => {
    fetchMock.mockResolvedValueOnce(answer(200, { stores: 'nope' }));
    await expect(callConsole('listStores', {})).rejects.toMatchObject({ code: 'bad_answer' });
    fetchMock.mockRejectedValueOnce(new TypeError('Failed to fetch'));
    await expect(callConsole('listStores', {})).rejects.toMatchObject({ code: 'network_error', status: 0 });
  });

  it('keeps the wait of a throttled login', async () => {
    fetchMock.mockResolvedValue(
      answer(429, { code: 'too_many_requests', message: 'slow down', retryAfterSeconds: 30 }),
    );
    await expect(callConsole('login', { email: 'a@b.c', password: 'x', secondFactor: '123456' })).rejects.toMatchObject(
      { code: 'too_many_requests', retryAfterSeconds: 30 },
    );
  });
});
