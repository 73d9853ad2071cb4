import {
  ConsentConfirmationError,
  confirmMarketingEmail,
  markConfirmationsDispatched as markDispatched,
  pendingConfirmations,
} from '../../privacy/consent-confirmation';
import { ConsoleHttpError } from '../console-error';
import type { ConsoleDeps, ConsoleHandler } from '../console-context';
import type { ConsoleOutput } from '../contract';

/** What a listing hands out when the mail service names no limit: the most the contract allows. */
const DEFAULT_LIMIT = 100;

/**
 * The e-mails waiting to be sent, for the mail service (mail.dispatch): address, language and the
 * link with its token in the URL fragment. Audited as a count: the addresses are the members'.
 */
export const listPendingConfirmations: ConsoleHandler<'listPendingConfirmations'> = async (ctx, input) => {
  const limit = input.limit ?? DEFAULT_LIMIT;
  const pending = await pendingConfirmations(ctx.tx, ctx.deps.confirmationKey, ctx.now, limit, ctx.deps.keys);
  await ctx.audit({ action: 'mail.dispatch', details: { step: 'listed', listed: pending.length, limit } });
  const origin = ctx.deps.publicOrigin();
  return {
    confirmations: pending.map((row) => ({
      confirmationId: row.id,
      to: row.email,
      language: row.language,
      confirmUrl: `${origin}/console/#/confirm/${row.token}`,
      expiresAt: row.expiresAt.toISOString(),
    })),
  };
};

/** The confirmations whose e-mail the mail service's SMTP server accepted. */
export const markConfirmationsDispatched: ConsoleHandler<'markConfirmationsDispatched'> = async (ctx, input) => {
  const marked = await markDispatched(ctx.tx, input.ids, ctx.now);
  await ctx.audit({
    action: 'mail.dispatch',
    details: { step: 'dispatched', requested: input.ids.length, marked },
  });
  return { marked };
};

/**
 * The public confirmation (console-api.ts serves it like login: no operator, rate-limited per
 * address, same-origin). A success is audited with the member and confirmation ids; a refusal with
 * nothing at all, in its own transaction since the refused one changed nothing. The token is never
 * written anywhere.
 */
export async function confirmConsentLink(deps: ConsoleDeps, token: string): Promise<ConsoleOutput<'confirmConsent'>> {
  const now = deps.now();
  try {
    return await deps.db.transaction(async (tx) => {
      const done = await confirmMarketingEmail(tx, deps.confirmationKey, token, now);
      await deps.audit.append(tx, {
        operatorId: null,
        action: 'consent.confirmed',
        subjectType: 'member',
        subjectId: done.memberId,
        details: { confirmation: done.confirmationId, purpose: done.purpose },
      });
      return { confirmed: true as const, purpose: done.purpose };
    });
  } catch (error) {
    if (!(error instanceof ConsentConfirmationError)) throw error;
    await deps.db.transaction((tx) =>
      deps.audit.append(tx, { operatorId: null, action: 'consent.confirmation_refused' }),
    );
    throw new ConsoleHttpError(error.code, error.message);
  }
}
