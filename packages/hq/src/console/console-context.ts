import type { HqDatabase, Queryable } from '../db/database';
import type { OperatorAuditInput, OperatorAuditLog } from '../operators/operator-audit';
import type { OperatorRole } from '../operators/roles';
import type { ConsoleEndpointName, ConsoleOutput, CONSOLE_ENDPOINTS } from './contract';
import type { SessionTimeouts } from './sessions';
import type { RateLimit } from '../rate-limit';
import type { z } from 'zod';
import type { DataKeys } from '../keys/data-keys';

/** What the console API needs, passed in (tests decide the clock, the keys and the randomness). */
export interface ConsoleDeps {
  db: HqDatabase;
  now: () => Date;
  random: (size: number) => Buffer;
  audit: OperatorAuditLog;
  /** Binds second-operator approvals to their payloads (derived key 'operator-approvals'). */
  approvalKey: Buffer;
  /** Makes the sessions' CSRF tokens (derived key 'console-csrf'). */
  csrfKey: Buffer;
  /** Signs and checks double opt-in links (derived key 'consent-confirmation'). */
  /** Keys the per-recipient member pseudonyms of audiences (derived key 'audience-pseudonyms'). */
  pseudonymKey: Buffer;
  confirmationKey: Buffer;
  /** HQ's data keys (keys/data-keys.ts): members' contacts and other secrets are sealed at rest. */
  keys: DataKeys;
  /** Shown beside a pairing code, for the till to check the certificate it is given. */
  hqCertSha256: string;
  /** https://host:port that enrolment links point at; never taken from a request's Host header. */
  publicOrigin: () => string;
  timeouts: SessionTimeouts;
  /**
   * Requests per client address to the endpoints anyone may call (login, enrolment, passkey login
   * options), counted in HQ's database like pairing; the login throttle per account comes on top.
   */
  publicRateLimit: RateLimit;
}

/** Who is asking: a console session or an API token, with the roles that count for this request. */
export interface ConsoleActor {
  operatorId: string;
  roles: OperatorRole[];
  via: 'session' | 'api_token';
  sessionId?: string;
  tokenId?: string;
}

/** One request's work, inside one transaction with its audit entries. */
export interface ConsoleContext {
  deps: ConsoleDeps;
  tx: Queryable;
  /** `tx` as an HqDatabase, for HQ's admin functions: their own transaction becomes part of this one. */
  db: HqDatabase;
  actor: ConsoleActor;
  now: Date;
  /** Appends to the operator audit in this transaction (operatorId is the actor). */
  audit(entry: Omit<OperatorAuditInput, 'operatorId'>): Promise<void>;
  /** What the endpoint's CONSOLE_PREPARE step read before the transaction began (see handlers/index.ts). */
  prepared?: unknown;
}

/**
 * A read an endpoint needs that goes through HQ's own database handle rather than the request's
 * transaction (the operator audit's chain walk): done before the transaction, as on PGlite (one
 * connection) a query outside the open transaction would wait for it forever.
 */
export type ConsolePrepare = (deps: ConsoleDeps) => Promise<unknown>;

export type ConsoleHandler<N extends ConsoleEndpointName> = (
  ctx: ConsoleContext,
  input: z.output<(typeof CONSOLE_ENDPOINTS)[N]['input']>,
) => Promise<ConsoleOutput<N>>;

/** The endpoints served by plain handlers (identity ones are the API's own: they set cookies). */
export type IdentityEndpoint =
  | 'login'
  | 'logout'
  | 'session'
  | 'openEnrolment'
  | 'completeEnrolment'
  | 'passkeyLoginOptions'
  | 'loginWithPasskey'
  /** A member's double opt-in click: public like login, with no operator to act as. */
  | 'confirmConsent';
export type ConsoleHandlers = { [N in Exclude<ConsoleEndpointName, IdentityEndpoint>]: ConsoleHandler<N> };

/** `tx` seen as a database: queries go to it, and a nested transaction is simply more of it. */
export function transactionAsDatabase(tx: Queryable, kind: HqDatabase['kind']): HqDatabase {
  return {
    kind,
    query: (text, params) => tx.query(text, params),
    transaction: (fn) => fn(tx),
    close: () => Promise.resolve(),
  };
}
