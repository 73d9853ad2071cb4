import type { RegistrationResponseJSON } from '@simplewebauthn/server';
import {
  listPasskeys,
  passkeyRegistrationOptions,
  registerPasskey,
  relyingPartyOf,
  removePasskey,
  requireRelyingParty,
} from '../../operators/passkeys';
import type { ConsoleHandler } from '../console-context';

/** The signed-in operator's own passkeys (console sessions only: access 'session'). */
export const listPasskeysHandler: ConsoleHandler<'listPasskeys'> = async (ctx) => ({
  available: relyingPartyOf(ctx.deps.publicOrigin()) !== null,
  passkeys: await listPasskeys(ctx.tx, ctx.actor.operatorId),
});

export const passkeyRegistrationOptionsHandler: ConsoleHandler<'passkeyRegistrationOptions'> = async (ctx) => {
  const rp = requireRelyingParty(ctx.deps.publicOrigin());
  const options = await passkeyRegistrationOptions(ctx.tx, rp, ctx.actor.operatorId, ctx.now);
  return { options: { ...options } };
};

export const registerPasskeyHandler: ConsoleHandler<'registerPasskey'> = async (ctx, input) => {
  const rp = requireRelyingParty(ctx.deps.publicOrigin());
  const registration = input.registration as RegistrationResponseJSON;
  const added = await registerPasskey(ctx.tx, rp, ctx.actor.operatorId, { label: input.label, registration }, ctx.now);
  await ctx.audit({
    action: 'operator.second_factor_changed',
    subjectType: 'operator',
    subjectId: ctx.actor.operatorId,
    details: { change: 'passkey_added', passkeyId: added.passkeyId },
  });
  return { passkeyId: added.passkeyId };
};

export const removePasskeyHandler: ConsoleHandler<'removePasskey'> = async (ctx, input) => {
  await removePasskey(ctx.tx, ctx.actor.operatorId, input.passkeyId);
  await ctx.audit({
    action: 'operator.second_factor_changed',
    subjectType: 'operator',
    subjectId: ctx.actor.operatorId,
    details: { change: 'passkey_removed', passkeyId: input.passkeyId },
  });
  return { ok: true as const };
};
