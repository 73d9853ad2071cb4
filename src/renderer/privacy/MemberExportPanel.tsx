import { CodeSelect } from '../forms/CodeSelect';
import { useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LANGUAGES, type Language } from '../../shared/i18n/languages';
import { exportFileNames } from '../../shared/privacy/export-document';
import { EXPORT_PURPOSES, type ExportPurpose } from '../../shared/privacy/requests';
import { api, type MemberDataExport, type MemberView } from '../api/client';
import { useIntent } from '../api/intent';
import {
  ManagerPinDialog,
  pinDialogProblem,
  type ApprovalProblem,
  type ManagerPinInput,
} from '../approvals/ManagerPinDialog';

/**
 * A member's data export at the counter (GDPR Art. 15 access, Art. 20 portability), for managers:
 * purpose and language, the manager's PIN again, then a summary in the page's language of what the
 * copy holds and, when this till made it without head office, what it lacks. The member gets two
 * files: the JSON data file and the HTML page to read or print, each saved from memory through an
 * object URL made for that one save; nothing of the document is kept once the summary closes.
 *
 * There is no Print button: the app denies new windows (and printing this page would print the
 * till, not the member's document). The saved HTML page is the printable copy.
 */
export function MemberExportPanel({ view }: { view: MemberView }) {
  const { t } = useTranslation();
  /** The dialog is open, opened from this element (it gets the focus back). */
  const [asking, setAsking] = useState<HTMLElement | null>(null);
  const [result, setResult] = useState<MemberDataExport | null>(null);

  return (
    <div className="stack-form" data-testid="member-export">
      <p className="hint">{t('rights.exportHint')}</p>
      <div className="form-actions-row">
        <button
          type="button"
          className="button button-secondary"
          data-testid="export-member"
          onClick={(event) => {
            setResult(null);
            setAsking(event.currentTarget);
          }}
        >
          {t('rights.export')}
        </button>
      </div>
      {asking ? (
        <ExportDialog
          view={view}
          opener={asking}
          onClose={() => setAsking(null)}
          onDone={(answer) => {
            setAsking(null);
            setResult(answer);
          }}
        />
      ) : null}
      {result ? <ExportSummary result={result} onClose={() => setResult(null)} /> : null}
    </div>
  );
}

function ExportDialog({
  view,
  opener,
  onClose,
  onDone,
}: {
  view: MemberView;
  opener: HTMLElement | null;
  onClose: () => void;
  onDone: (answer: MemberDataExport) => void;
}) {
  const { t, i18n } = useTranslation();
  const intent = useIntent();
  const [purpose, setPurpose] = useState<ExportPurpose>('access_request');
  const [language, setLanguage] = useState<Language>(i18n.language === 'ru' ? 'ru' : 'en');
  const name = `${view.member.givenName} ${view.member.familyName}`;

  const submit = async ({ pin }: ManagerPinInput): Promise<ApprovalProblem | null> => {
    try {
      const answer = await api.exportMemberData({
        requestId: intent.id(),
        memberId: view.member.id,
        purpose,
        language,
        pin,
      });
      intent.succeeded();
      onDone(answer);
      return null;
    } catch (caught) {
      return pinDialogProblem(t, caught);
    }
  };

  return (
    <ManagerPinDialog
      title={t('rights.exportTitle')}
      opener={opener}
      onClose={onClose}
      testId="export-modal"
      prefix="export"
      what={t('rights.exportWhat', { name })}
      details={
        <div className="approval-fields">
          <CodeSelect
            label={t('rights.exportPurpose')}
            codes={EXPORT_PURPOSES}
            value={purpose}
            onChange={setPurpose}
            text={(code) => t(`rights.exportPurposes.${code}`)}
            testId="export-purpose"
          />
          <CodeSelect
            label={t('rights.exportLanguage')}
            codes={LANGUAGES}
            value={language}
            onChange={setLanguage}
            text={(code) => t(`rights.exportLanguages.${code}`)}
            testId="export-language"
          />
        </div>
      }
      pinLabel={t('rights.yourPin')}
      submitLabel={t('rights.exportSubmit')}
      busyLabel={t('rights.exporting')}
      onSubmit={submit}
    />
  );
}

/** How long a saved file's object URL lives: the browser has read the blob long before. */
const OBJECT_URL_LIFETIME_MS = 60_000;

/**
 * Saves `text` as the file `name`: an `<a download>` on an object URL of it, clicked and dropped.
 * The URL exists only for the save (no document stays reachable through one after the summary).
 */
function saveFile(text: string, type: string, name: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), OBJECT_URL_LIFETIME_MS);
}

function ExportSummary({ result, onClose }: { result: MemberDataExport; onClose: () => void }) {
  const { t } = useTranslation();
  const headingId = useId();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const { document: doc } = result;
  const names = exportFileNames(doc);

  // The dialog that made it has closed: the summary is where the manager is now.
  useEffect(() => {
    headingRef.current?.focus();
  }, []);

  const origin =
    result.source === 'hq'
      ? t('rights.exportFromHq')
      : doc.complete
        ? t('rights.exportFromTillComplete')
        : t('rights.exportFromTillPartial');
  const counts: readonly [string, number][] = [
    [t('rights.exportCounts.consents'), doc.consents.history.length],
    [t('rights.exportCounts.ledger'), doc.ledger.length],
    [t('rights.exportCounts.redemptions'), doc.redemptions.length],
    [t('rights.exportCounts.accessLog'), doc.accessLog.length],
    [t('rights.exportCounts.disclosures'), doc.disclosures.length],
    [t('rights.exportCounts.requests'), doc.requests.erasure.length + doc.requests.exports.length],
  ];

  return (
    <section
      className="card"
      aria-labelledby={headingId}
      data-testid="export-summary"
      data-source={result.source}
      data-complete={doc.complete}
    >
      <h4 id={headingId} ref={headingRef} tabIndex={-1} className="section-title">
        {t('rights.exportReadyTitle')}
      </h4>
      <p data-testid="export-origin">{origin}</p>
      <dl className="facts facts-list">
        <div>
          <dt>{t('rights.exportReference')}</dt>
          <dd className="mono" data-testid="export-reference">
            {doc.exportId}
          </dd>
        </div>
        <div>
          <dt>{t('rights.exportPurpose')}</dt>
          <dd>{t(`rights.exportPurposes.${doc.purpose}`)}</dd>
        </div>
        <div>
          <dt>{t('rights.exportLanguage')}</dt>
          <dd>{t(`rights.exportLanguages.${doc.language}`)}</dd>
        </div>
        <div>
          <dt>{t('rights.exportCounts.details')}</dt>
          <dd>{t('rights.exportDetailsIncluded')}</dd>
        </div>
        {counts.map(([label, n]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{n}</dd>
          </div>
        ))}
      </dl>
      {doc.complete ? null : (
        <div className="banner banner-error" data-testid="export-missing">
          <p className="banner-title">{t('rights.exportMissingTitle')}</p>
          <ul>
            {doc.missing.map((code) => (
              <li key={code} data-code={code}>
                {t(`rights.exportMissing.${code}`)}
              </li>
            ))}
          </ul>
          <p>{t('rights.exportMissingNext')}</p>
        </div>
      )}
      <p className="hint">{t('rights.exportHandOver')}</p>
      <div className="form-actions-row">
        <button
          type="button"
          className="button button-primary"
          data-testid="export-save-json"
          onClick={() => saveFile(`${JSON.stringify(doc, null, 2)}\n`, 'application/json', names.json)}
        >
          {t('rights.exportSaveJson', { file: names.json })}
        </button>
        <button
          type="button"
          className="button button-secondary"
          data-testid="export-save-html"
          onClick={() => saveFile(result.html, 'text/html', names.html)}
        >
          {t('rights.exportSaveHtml', { file: names.html })}
        </button>
        <button type="button" className="button button-quiet" data-testid="export-close" onClick={onClose}>
          {t('rights.exportClose')}
        </button>
      </div>
    </section>
  );
}
