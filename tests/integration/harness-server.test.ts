import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../../src/harness/server/harness-server';
import { startTestApp, type TestApp } from '../support/app';
import { makeTempDir } from '../support/temp-dir';

const TOKEN = 'harness-test-token-0123456789abcdef';

/** The harness's IPC endpoint answers bad channel names with typed errors, never a 500 (issue 10, defect 7). */
describe('harness IPC endpoint', () => {
  let app: TestApp;
  let harness: Harness;
  let renderer: ReturnType<typeof makeTempDir>;

  beforeEach(async () => {
    // The harness presents its own loopback origin as the sender, as src/harness/server/main.ts trusts it.
    app = await startTestApp(undefined, {
      extra: { isTrustedSenderUrl: (url) => url.startsWith('http://127.0.0.1:') },
    });
    renderer = makeTempDir();
    harness = await startHarness({ rendererRoot: renderer.path, router: app.services.router, token: TOKEN });
  });
  afterEach(async () => {
    await harness.close();
    renderer.remove();
    await app.dispose();
  });

  const post = async (rawChannel: string) => {
    const res = await fetch(`${harness.origin}/__harness/ipc/${rawChannel}`, {
      method: 'POST',
      headers: { origin: harness.origin, authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: '{}',
    });
    return { status: res.status, body: (await res.json()) as { ok: boolean; error?: { code: string } } };
  };

  it.each([['%E0%A4%A'], ['%'], ['app.getInfo%'], ['%C0%AF']])(
    'a malformed percent-encoding (%s) is an unknown channel, not a server error',
    async (raw) => {
      const answer = await post(raw);
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ ok: false, error: { code: 'unknown_channel' } });
    },
  );

  it('a well-formed name still reaches the router (encoded or not)', async () => {
    expect(await post('app.getInfo')).toMatchObject({ status: 200, body: { ok: true } });
    expect(await post('app%2EgetInfo')).toMatchObject({ status: 200, body: { ok: true } });
    expect(await post('members.delete')).toMatchObject({
      status: 200,
      body: { ok: false, error: { code: 'unknown_channel' } },
    });
  });
});
