import { CURRENT_NOTICE_VERSION } from '../../src/main/privacy/notices';

/** The consents of an ordinary enrolment: terms accepted, no marketing, current notice in English. */
export const CONSENTS = {
  terms: true,
  marketingEmail: false,
  marketingSms: false,
  noticeVersion: CURRENT_NOTICE_VERSION,
  noticeLanguage: 'en',
} as const;
