import { useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AuditLanguage } from '../../shared/audit/describe';
import { api, asApiError } from '../api/client';
import { errorMessage } from '../app/messages';
import type { AuditListQuery } from './audit';

/** How long an export may take before its progress is shown (a short one just finishes). */
const PROGRESS_AFTER_MS = 400;
/** How long a saved file's object URL lives: the browser has read the blob long before. */
const OBJECT_URL_LIFETIME_MS = 60_000;

/**
 * Saves `text` as the file `name` through an `<a download>` on an object URL made for that one
 * save (as the member export does, privacy/MemberExportPanel.tsx).
 */
function saveFile(text: string, type: string, name: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), OBJECT_URL_LIFETIME_MS);
}

/**
 * The export for an external auditor (managers): the filtered range, page by page from the main
 * process, saved as a CSV in the page language (UTF-8 with a byte-order mark, so spreadsheets read
 * Cyrillic) and a JSON-lines file of the raw chained entries. A progress bar shows when it takes
 * more than a moment.
 */
export function AuditExportButton({ query, language }: { query: AuditListQuery; language: AuditLanguage }) {
  const { t } = useTranslation();
  const ids = useId();
  const [busy, setBusy] = useState(false);
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const [outcome, setOutcome] = useState<{ kind: 'done'; n: number } | { kind: 'error'; text: string } | null>(null);
  const running = useRef(false);

  const run = async () => {
    if (running.current) return;
    running.current = true;
    setBusy(true);
    setOutcome(null);
    const started = Date.now();
    const { beforeSeq: _page, limit: _limit, ...filters } = query;
    try {
      let csv = '\uFEFF';
      let jsonl = '';
      let done = 0;
      let cursor: { afterSeq: number; throughSeq: number } | null | undefined;
      do {
        const page = await api.exportAudit({ ...filters, language, ...(cursor ? { cursor } : {}) });
        csv += page.csv;
        jsonl += page.jsonl;
        done += page.count;
        cursor = page.next;
        if (Date.now() - started > PROGRESS_AFTER_MS) setProgress({ done, total: page.total });
      } while (cursor);
      const stamp = new Date().toISOString().slice(0, 10);
      saveFile(csv, 'text/csv;charset=utf-8', `audit-${stamp}.csv`);
      saveFile(jsonl, 'application/x-ndjson', `audit-${stamp}.jsonl`);
      setOutcome({ kind: 'done', n: done });
    } catch (caught) {
      setOutcome({ kind: 'error', text: errorMessage(t, asApiError(caught).code) });
    } finally {
      running.current = false;
      setBusy(false);
      setProgress(null);
    }
  };

  return (
    <div className="audit-export">
      <button
        type="button"
        className="button button-secondary"
        disabled={busy}
        aria-busy={busy || undefined}
        aria-describedby={`${ids}-hint`}
        data-testid="audit-export"
        onClick={() => void run()}
      >
        {busy ? t('audit.exporting') : t('audit.export')}
      </button>
      <span id={`${ids}-hint`} className="sr-only">
        {t('audit.exportHint')}
      </span>
      {progress ? (
        <div className="audit-export-progress">
          <label htmlFor={`${ids}-progress`}>
            {t('audit.exportProgress', { done: progress.done, total: progress.total })}
          </label>
          <progress id={`${ids}-progress`} max={progress.total || 1} value={progress.done} />
        </div>
      ) : null}
      <span role="status" className="audit-export-outcome" data-testid="audit-export-outcome">
        {outcome?.kind === 'done' ? t('audit.exported', { n: outcome.n }) : null}
      </span>
      {outcome?.kind === 'error' ? (
        <span role="alert" className="field-error">
          {outcome.text}
        </span>
      ) : null}
    </div>
  );
}
