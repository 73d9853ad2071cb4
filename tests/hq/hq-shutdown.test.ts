import { connect } from 'node:tls';
import { afterEach, expect, test } from 'vitest';
import { makeTempDir } from '../support/temp-dir';
import { startHqProcess, type HqProcess } from './support/hq-process';

let server: HqProcess | undefined;
let dir: { path: string; remove(): void } | undefined;
afterEach(async () => {
  if (server && server.child.exitCode === null && server.child.signalCode === null) await server.kill();
  dir?.remove();
  server = dir = undefined;
});

/**
 * SIGTERM stops HQ even while a client holds a connection that never sends a request (a browser's
 * preconnect): requests in flight get a grace period, then every connection is closed. Before, such a
 * socket held the shutdown until Node's request timeout (minutes), and a scripted restart hung.
 */
test('SIGTERM stops HQ within seconds although a connection that sends nothing is open', async () => {
  dir = makeTempDir('loyalty-hq-stop-');
  server = await startHqProcess(dir.path);
  const { port } = new URL(server.url);
  const idle = connect({ host: '127.0.0.1', port: Number(port), rejectUnauthorized: false });
  await new Promise<void>((resolve, reject) => {
    idle.once('secureConnect', () => resolve());
    idle.once('error', reject);
  });
  const started = Date.now();
  const stopped = await server.stop();
  expect(stopped.code).toBe(0);
  expect(Date.now() - started).toBeLessThan(15_000);
  idle.destroy();
}, 60_000);
