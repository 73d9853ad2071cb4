import { z } from 'zod';
import demo from '../../../resources/demo/members.json';
import { normalizeEmail } from '../../shared/members/normalize';
import { normalizePhone } from '../../shared/members/phone';
import { TIERS } from '../../shared/points/rules';
import { uuidv7 } from '../ids/uuidv7';
import { storedContact } from '../members/lookup-hash';
import type { SnapshotMember } from '../members/ingest-snapshot';

const DemoMember = z.strictObject({
  givenName: z.string(),
  familyName: z.string(),
  cardNumber: z.string(),
  phone: z.string().optional(),
  email: z.string().optional(),
  tier: z.enum(TIERS),
  pointsConfirmed: z.number().int().nonnegative(),
  marketingEmail: z.boolean(),
  marketingSms: z.boolean(),
});

/**
 * Synthetic members as HQ would send them in a first snapshot (masked contacts and lookup hashes,
 * confirmed points, consent flags), so `npm start` and the harness with --demo can serve at once.
 */
export function demoSnapshot(deps: {
  lookupKey: string;
  region: string;
  termsVersion: string;
  now: Date;
}): SnapshotMember[] {
  const at = deps.now.toISOString();
  return demo.members.map((raw, index) => {
    const member = DemoMember.parse(raw);
    const phone = member.phone ? normalizePhone(member.phone, deps.region) : null;
    const email = member.email ? normalizeEmail(member.email) : null;
    if (member.phone && !phone) throw new Error(`demo member ${index} has an invalid phone`);
    const storedPhone = storedContact(deps.lookupKey, 'phone', phone);
    const storedEmail = storedContact(deps.lookupKey, 'email', email);
    return {
      id: uuidv7(deps.now.getTime() - (demo.members.length - index) * 86_400_000),
      cardNumber: member.cardNumber,
      givenName: member.givenName,
      familyName: member.familyName,
      phoneHash: storedPhone.hash,
      emailHash: storedEmail.hash,
      phoneMasked: storedPhone.masked,
      emailMasked: storedEmail.masked,
      tier: member.tier,
      pointsConfirmed: member.pointsConfirmed,
      termsVersion: deps.termsVersion,
      marketingEmail: member.marketingEmail && email !== null,
      marketingSms: member.marketingSms && phone !== null,
      enrolledAt: at,
      updatedAt: at,
    };
  });
}
