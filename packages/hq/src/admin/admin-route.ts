import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { toFieldIssues } from '../../../../src/shared/ipc/validation';
import type { HqDatabase } from '../db/database';
import { HqAdminError, HqHttpError } from '../errors';
import type { HqServer } from '../server';
import { ADMIN_TOKEN_PATTERN } from './admin-endpoint-file';
import { isAdminCommand, runAdminCommand } from './cli';

/** The admin API: one route that runs an admin command on the server's own database. */
export const ADMIN_COMMAND_ROUTE = '/v1/admin/command';

// Generous: the command's own validation (names of 1 to 80 characters…) answers as it would directly.
const optionText = z.string().min(1).max(4096);

/** A command as the command line parsed it; load-catalog's file travels as its parsed contents. */
export const AdminCommandRequest = z.strictObject({
  command: z.string().max(40).refine(isAdminCommand, { message: 'unknown_command' }),
  args: z.array(z.string().max(4096)).max(4),
  options: z.strictObject({
    store: optionText.optional(),
    chain: z.boolean().optional(),
    name: optionText.optional(),
    role: optionText.optional(),
    device: optionText.optional(),
    reason: optionText.optional(),
  }),
  /** load-catalog only: validated by the catalog schema when the command runs. */
  catalog: z.unknown().optional(),
});
export type AdminCommandRequest = z.input<typeof AdminCommandRequest>;

/** Exactly what the command printed and its exit code, for the command line to print and exit with. */
export const AdminCommandResponse = z.strictObject({
  exitCode: z.number().int().min(0).max(255),
  out: z.array(z.string()),
  err: z.array(z.string()),
});
export type AdminCommandResponse = z.infer<typeof AdminCommandResponse>;

/**
 * Who may run admin commands. Today: whoever holds the token in the 0600 endpoint file. Operator
 * accounts (DESIGN §4) replace this with a login, not the route.
 */
export interface AdminAccess {
  authorize(authorization: string | undefined): boolean;
}

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/** Bearer-token access, compared in constant time (digests of equal length, whatever was sent). */
export function adminTokenAccess(token: string): AdminAccess {
  if (!ADMIN_TOKEN_PATTERN.test(token)) throw new TypeError('admin token has the wrong shape');
  const expected = digest(token);
  return {
    authorize(authorization) {
      const match = typeof authorization === 'string' ? /^Bearer (\S{1,200})$/.exec(authorization) : null;
      return timingSafeEqual(digest(match?.[1] ?? ''), expected);
    },
  };
}

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4) || address === '::1';
}

export interface AdminRouteOptions {
  db: HqDatabase;
  now: () => Date;
  access: AdminAccess;
}

/**
 * Registers POST /v1/admin/command. Only a loopback peer reaches it (anyone else is told there is no
 * such route), and only with access; both are checked before the body is read. The command runs
 * through the same runAdminCommand as `npm run hq -- COMMAND` on a database of its own. Logged: the
 * command name and exit code, never its arguments (names) or output (temporary PINs).
 */
export function registerAdminRoute(app: HqServer, options: AdminRouteOptions): void {
  app.post(
    ADMIN_COMMAND_ROUTE,
    {
      onRequest: async (request) => {
        if (!isLoopbackAddress(request.socket.remoteAddress)) throw new HqHttpError('not_found', 'No such route.');
        if (!options.access.authorize(request.headers.authorization))
          throw new HqHttpError('unauthorized', 'A valid admin token is required.');
      },
    },
    async (request, reply) => {
      const parsed = AdminCommandRequest.safeParse(request.body);
      if (!parsed.success)
        throw new HqHttpError(
          'bad_request',
          'The admin command does not match the schema.',
          toFieldIssues(parsed.error),
        );
      const body = parsed.data;
      const out: string[] = [];
      const err: string[] = [];
      const exitCode = await runAdminCommand(
        { db: options.db, now: options.now },
        [body.command, ...body.args],
        body.options,
        {
          out: (line) => out.push(line),
          err: (line) => err.push(line),
          readCatalog: () => {
            if (body.catalog === undefined)
              return Promise.reject(new HqAdminError('invalid_catalog', 'No catalog contents were sent.'));
            return Promise.resolve(body.catalog);
          },
        },
      );
      request.log.info({ command: body.command, exitCode }, 'admin command');
      return reply.code(200).send(AdminCommandResponse.parse({ exitCode, out, err }));
    },
  );
}
