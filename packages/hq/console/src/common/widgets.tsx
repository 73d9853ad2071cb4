import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { callConsole } from '../api/console-client';
import { formatDateTime } from '../app/format';
import { useSession } from '../app/session';
import { Dialog } from './Dialog';
import { SelectField } from './Field';
import { useLoad } from './hooks';

/** A secret HQ shows once (a PIN, a pairing code, a link, a token): shown in a dialog, with a copy button. */
export function SecretDialog({
  title,
  secret,
  children,
  onClose,
}: {
  title: string;
  secret: string;
  children?: ReactNode;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const [copied, setCopied] = useState<boolean | null>(null);
  return (
    <Dialog title={title} onClose={onClose} closeLabel={t('common.done')}>
      <p className="notice notice-warning">{t('common.shownOnce')}</p>
      <p className="secret mono" data-testid="shown-once-secret">
        {secret}
      </p>
      {children}
      <button
        type="button"
        className="button"
        onClick={() => {
          navigator.clipboard.writeText(secret).then(
            () => setCopied(true),
            () => setCopied(false),
          );
        }}
      >
        {t('common.copy')}
      </button>
      <p role="status" aria-live="polite" className="muted">
        {copied === true ? t('common.copied') : copied === false ? t('common.copyFailed') : ''}
      </p>
    </Dialog>
  );
}

export function ConfirmDialog({
  title,
  text,
  confirmLabel,
  onConfirm,
  onClose,
  danger = false,
}: {
  title: string;
  text: string;
  confirmLabel: string;
  onConfirm: () => void;
  onClose: () => void;
  danger?: boolean;
}) {
  const { t } = useTranslation();
  return (
    <Dialog
      title={title}
      onClose={onClose}
      closeLabel={t('common.cancel')}
      actions={
        <>
          <button
            type="button"
            className={danger ? 'button button-danger' : 'button button-primary'}
            onClick={onConfirm}
          >
            {confirmLabel}
          </button>
          <button type="button" className="button" onClick={onClose}>
            {t('common.cancel')}
          </button>
        </>
      }
    >
      <p>{text}</p>
    </Dialog>
  );
}

/** The stores the session may read, for filters and pickers (empty without stores.read). */
export function useStores() {
  const { may } = useSession();
  const allowed = may('stores.read');
  return useLoad(async () => (allowed ? (await callConsole('listStores', {})).stores : []), String(allowed));
}

export function StoreFilter({
  value,
  onChange,
  label,
  allLabel,
}: {
  value: string;
  onChange: (storeId: string) => void;
  label?: string;
  allLabel?: string;
}) {
  const { t } = useTranslation();
  const stores = useStores();
  return (
    <SelectField
      className="field field-inline"
      label={label ?? t('common.store')}
      value={value}
      onChange={onChange}
      options={[
        { value: '', label: allLabel ?? t('common.allStores') },
        ...(stores.data ?? []).map((store) => ({ value: store.storeId, label: store.name })),
      ]}
    />
  );
}

/** A timestamp in the page's language, with the exact value for machines. */
export function Time({ iso }: { iso: string | null | undefined }) {
  const { language } = useSession();
  if (!iso) return <span className="muted">—</span>;
  return <time dateTime={iso}>{formatDateTime(iso, language)}</time>;
}

/** The page's heading, which takes the focus when the page opens. */
export function PageHeading({ children }: { children: ReactNode }) {
  return <h1 tabIndex={-1}>{children}</h1>;
}
