import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { HqDatabase } from '../db/database';
import { createChainAdmin } from '../console/first-admin';
import { ConsoleHttpError } from '../console/console-error';
import type { OperatorAuditLog } from '../operators/operator-audit';
import { OperatorAccountError } from '../operators/operator-accounts';
import type { HqServer } from '../server';
import { ADMIN_TOKEN_PATTERN } from './admin-endpoint-file';

/**
 * The one admin route that is not the console API: `create-admin` makes the first chain admin
 * through it, once, while HQ has no operator at all. Only a loopback peer holding the token of the
 * 0600 endpoint file in HQ's data folder reaches it (anyone else is told there is no such route),
 * so only HQ's own OS user can bootstrap; once an operator exists it refuses, and every other
 * action needs an operator's login or API token.
 */
export const BOOTSTRAP_ROUTE = '/v1/admin/bootstrap';

export const BootstrapRequest = z.strictObject({
  email: z.string().max(254),
  displayName: z.string().max(200),
});

export const BootstrapResponse = z.strictObject({
  operatorId: z.string(),
  enrolmentUrl: z.string(),
  expiresAt: z.iso.datetime({ offset: true }),
});
export type BootstrapResponse = z.infer<typeof BootstrapResponse>;

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/** Whether `authorization` is `Bearer <token>`, compared in constant time (digests of equal length). */
export function bootstrapTokenMatches(token: string, authorization: string | undefined): boolean {
  if (!ADMIN_TOKEN_PATTERN.test(token)) throw new TypeError('bootstrap token has the wrong shape');
  const match = typeof authorization === 'string' ? /^Bearer (\S{1,200})$/.exec(authorization) : null;
  return timingSafeEqual(digest(match?.[1] ?? ''), digest(token));
}

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4) || address === '::1';
}

export interface BootstrapRouteOptions {
  db: HqDatabase;
  now: () => Date;
  random: (size: number) => Buffer;
  audit: OperatorAuditLog;
  publicOrigin: () => string;
  token: string;
}

export function registerBootstrapRoute(app: HqServer, options: BootstrapRouteOptions): void {
  app.post(
    BOOTSTRAP_ROUTE,
    {
      onRequest: async (request) => {
        if (!isLoopbackAddress(request.socket.remoteAddress)) throw new ConsoleHttpError('not_found', 'No such route.');
        if (!bootstrapTokenMatches(options.token, request.headers.authorization))
          throw new ConsoleHttpError('unauthorized', 'The bootstrap token of the data folder is required.');
      },
    },
    async (request, reply) => {
      const parsed = BootstrapRequest.safeParse(request.body);
      if (!parsed.success) throw new ConsoleHttpError('bad_request', 'Send {email, displayName}.');
      try {
        const made = await createChainAdmin(options, parsed.data);
        request.log.info({ operatorId: made.operatorId }, 'first chain admin created');
        return reply.code(200).send(
          BootstrapResponse.parse({
            operatorId: made.operatorId,
            enrolmentUrl: made.enrolmentUrl,
            expiresAt: made.expiresAt.toISOString(),
          }),
        );
      } catch (error) {
        if (error instanceof OperatorAccountError && error.code === 'operators_exist') {
          throw new ConsoleHttpError(
            'forbidden',
            'HQ already has operators: a chain admin adds operators in the console.',
          );
        }
        throw error;
      }
    },
  );
}
