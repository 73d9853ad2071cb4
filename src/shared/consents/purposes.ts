/**
 * Consent is given per purpose (DESIGN §6). Program terms are required to join; marketing by
 * e-mail and by SMS are separate and off unless the member says yes.
 */
export const CONSENT_PURPOSES = ['terms', 'marketing_email', 'marketing_sms'] as const;
export type ConsentPurpose = (typeof CONSENT_PURPOSES)[number];

/** The purposes a member may switch on and off at the till; leaving the program is an erasure. */
export const OPTIONAL_PURPOSES = ['marketing_email', 'marketing_sms'] as const;
export type OptionalPurpose = (typeof OPTIONAL_PURPOSES)[number];

/** How consent was collected; the till is always `counter` (HQ adds web and app later). */
export const CONSENT_CHANNELS = ['counter'] as const;
