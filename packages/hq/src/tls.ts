import { X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generate } from 'selfsigned';

export interface HqTls {
  key: string;
  cert: string;
  /** SHA-256 of the certificate (DER), as Node prints it (AA:BB:…): what devices pin at pairing. */
  fingerprint256: string;
  selfSigned: boolean;
}

export const CERT_FILE = 'hq-cert.pem';
export const KEY_FILE = 'hq-key.pem';

export function fingerprintOf(certPem: string): string {
  return new X509Certificate(certPem).fingerprint256;
}

/**
 * HQ's TLS identity. With `certPath` and `keyPath` it uses that (real) certificate. Otherwise it
 * uses the self-signed one in `dataDir`, making it on first start (P-256, SHA-256, names
 * localhost/127.0.0.1/::1 plus `hostnames`; the key file is written 0600). Devices pin its
 * fingerprint, so it is kept across restarts and not renewed behind their back.
 */
export async function loadOrCreateTls(options: {
  dataDir: string;
  certPath?: string;
  keyPath?: string;
  hostnames?: string[];
  now?: () => Date;
}): Promise<HqTls> {
  if (options.certPath !== undefined || options.keyPath !== undefined) {
    if (!options.certPath || !options.keyPath) throw new Error('Give both a certificate and a key path.');
    const cert = readFileSync(options.certPath, 'utf8');
    const key = readFileSync(options.keyPath, 'utf8');
    return { key, cert, fingerprint256: fingerprintOf(cert), selfSigned: false };
  }
  const certFile = join(options.dataDir, CERT_FILE);
  const keyFile = join(options.dataDir, KEY_FILE);
  if (existsSync(certFile) && existsSync(keyFile)) {
    const cert = readFileSync(certFile, 'utf8');
    return { key: readFileSync(keyFile, 'utf8'), cert, fingerprint256: fingerprintOf(cert), selfSigned: true };
  }
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const notBeforeDate = (options.now ?? (() => new Date()))();
  const notAfterDate = new Date(notBeforeDate.getTime() + 10 * 365 * 24 * 3600 * 1000);
  const names = ['localhost', ...(options.hostnames ?? [])];
  const pems = await generate([{ name: 'commonName', value: 'Loyalty Desk HQ' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          ...names.map((value) => ({ type: 2 as const, value })),
          { type: 7 as const, ip: '127.0.0.1' },
          { type: 7 as const, ip: '::1' },
        ],
      },
    ],
  });
  try {
    writeFileSync(keyFile, pems.private, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    // Several HQ processes started together on a new data folder (scale-out): one made the
    // identity first, and every process must serve that one.
    return waitForIdentity(certFile, keyFile);
  }
  chmodSync(keyFile, 0o600);
  writeFileSync(certFile, pems.cert, { mode: 0o644, flag: 'wx' });
  return { key: pems.private, cert: pems.cert, fingerprint256: fingerprintOf(pems.cert), selfSigned: true };
}

/** The identity another process is writing (key first, then certificate); an error after 10 s. */
async function waitForIdentity(certFile: string, keyFile: string): Promise<HqTls> {
  for (let waited = 0; waited < 10_000; waited += 50) {
    if (existsSync(certFile)) {
      const cert = readFileSync(certFile, 'utf8');
      if (cert.includes('-----END CERTIFICATE-----')) {
        return { key: readFileSync(keyFile, 'utf8'), cert, fingerprint256: fingerprintOf(cert), selfSigned: true };
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${keyFile} exists without ${certFile}: remove the key if no HQ is making it.`);
}
