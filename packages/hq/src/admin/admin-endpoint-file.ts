import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * How a command line on this machine reaches the running HQ's admin endpoint: its loopback URL, the
 * certificate fingerprint to pin, and the admin token. Written 0600 by the server once it listens,
 * in its 0700 data folder, so only HQ's own OS user can act as an operator. A later operator login
 * replaces the token, not this shape of access.
 */
export const ADMIN_ENDPOINT_FILE = 'hq-admin.json';

export const ADMIN_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export const AdminEndpoint = z.strictObject({
  url: z.string().regex(/^https:\/\/(127\.0\.0\.1|\[::1\]):\d{1,5}$/),
  certSha256: z.string().regex(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/),
  token: z.string().regex(ADMIN_TOKEN_PATTERN),
  /** The server's pid: the command line trusts the file only while that pid holds the data folder. */
  pid: z.number().int().positive(),
});
export type AdminEndpoint = z.infer<typeof AdminEndpoint>;

/** 256 random bits, base64url. */
export function newAdminToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Replaces the file in one rename, so a reader never sees half of it. */
export function writeAdminEndpoint(dataDir: string, endpoint: AdminEndpoint): void {
  const path = join(dataDir, ADMIN_ENDPOINT_FILE);
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(AdminEndpoint.parse(endpoint))}\n`, { mode: 0o600, flag: 'w' });
  renameSync(temp, path);
}

/** The published endpoint, or null when there is none (or it is not one: never trusted half-read). */
export function readAdminEndpoint(dataDir: string): AdminEndpoint | null {
  let text: string;
  try {
    text = readFileSync(join(dataDir, ADMIN_ENDPOINT_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = AdminEndpoint.safeParse(json);
  return parsed.success ? parsed.data : null;
}

/** Removes the file if it still holds `token` (a later server's file is left alone). */
export function removeAdminEndpoint(dataDir: string, token: string): void {
  if (readAdminEndpoint(dataDir)?.token !== token) return;
  try {
    unlinkSync(join(dataDir, ADMIN_ENDPOINT_FILE));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
