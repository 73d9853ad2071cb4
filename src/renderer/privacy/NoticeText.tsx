import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import type { PrivacyNotice } from '../api/client';

/**
 * The privacy notice a consent is recorded against: its version as a heading and its text in a
 * scrollable region (reachable by keyboard, read aloud as one region).
 */
export function NoticeText({ notice, testId }: { notice: PrivacyNotice; testId?: string }) {
  const { t } = useTranslation();
  const titleId = useId();
  return (
    <div className="notice" data-testid={testId} data-notice-version={notice.version}>
      <p className="notice-title" id={titleId}>
        {t('consent.noticeTitle', { version: notice.version })}
      </p>
      <div className="notice-text" role="region" tabIndex={0} aria-labelledby={titleId}>
        {notice.text.split(/\n\s*\n/).map((paragraph, index) => (
          <p key={index}>{paragraph}</p>
        ))}
      </div>
    </div>
  );
}
