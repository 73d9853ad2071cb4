import type { DomainHandlers } from '../ipc/router';
import { privacyNotice } from './notices';

/** privacy.*: the notice text shown at enrolment. */
export function privacyHandlers(): DomainHandlers<'privacy'> {
  return { 'privacy.notice': ({ language }) => privacyNotice(language) };
}
