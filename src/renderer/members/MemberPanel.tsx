import {
  useCallback,
  useEffect,
  useId,
  useLayoutEffect,
  useRef,
  useState,
  type KeyboardEvent as ReactKeyboardEvent,
} from 'react';
import { useTranslation } from 'react-i18next';
import { roleHasPermission } from '../../shared/auth/permissions';
import { formatCardNumber } from '../../shared/members/card-number';
import { api, type EarnRules, type LedgerWrite, type MemberSummary, type Reward } from '../api/client';
import { errorMessage } from '../app/messages';
import { useSession } from '../app/session-context';
import { tabForKey } from '../common/tabs';
import { ApprovalModal, type ApprovalRequest } from '../approvals/ApprovalModal';
import { AdjustForm, type AdjustDraft } from '../points/AdjustForm';
import { EarnForm } from '../points/EarnForm';
import { LedgerTable } from '../points/LedgerTable';
import { RedeemForm } from '../points/RedeemForm';
import { ProfileSection } from './ProfileSection';
import { MemberRightsSection } from '../privacy/MemberRightsSection';
import { useMember } from './useMember';
import { useLocale } from '../app/locale';
import { formatNumber, formatSigned } from '../app/format-number';

const TABS = ['earn', 'redeem', 'adjust', 'history', 'profile'] as const;
type Tab = (typeof TABS)[number];
const TAB_KEYS: Partial<Record<Tab, string>> = { earn: 'F6', redeem: 'F7', adjust: 'F8' };

function dialogOpen(): boolean {
  return document.querySelector('dialog[open]') !== null;
}

/**
 * The member at the counter: balance (confirmed + pending, and what may be spent now), earn,
 * redeem, adjust, history and profile. F6/F7/F8 jump to earn, redeem and adjust from anywhere.
 *
 * The name, card, balance and tabs stick to the top of the scrolling view while the part below
 * them scrolls, so staff always see whom they are working on (a 768-pixel-high till included).
 */
export function MemberPanel({
  summary,
  onClose,
  onChanged,
  onErased,
}: {
  summary: MemberSummary;
  onClose: () => void;
  onChanged: (member: MemberSummary) => void;
  /** The member was erased on this till (a standalone one): the screen must go. */
  onErased: (message: string) => void;
}) {
  const { t, i18n } = useTranslation();
  const locale = useLocale();
  const { session, info } = useSession();
  const { view, error, reload } = useMember(summary.id);
  const [tab, setTab] = useState<Tab>('earn');
  // undefined while loading; null when the till has no earn rules yet.
  const [rules, setRules] = useState<EarnRules | null | undefined>(undefined);
  const [adjustForm, setAdjustForm] = useState(0);
  const [rewards, setRewards] = useState<Reward[]>([]);
  const [notice, setNotice] = useState<{ text: string; seq: number } | null>(null);
  const [approval, setApproval] = useState<{ request: ApprovalRequest; opener: HTMLElement | null } | null>(null);
  const headingId = useId();
  const panelRef = useRef<HTMLElement>(null);
  const stickyRef = useRef<HTMLDivElement>(null);
  const ids = useId();
  const amountRef = useRef<HTMLInputElement>(null);
  const rewardRef = useRef<HTMLInputElement>(null);
  const adjustRef = useRef<HTMLInputElement>(null);
  const tabRefs = useRef<Partial<Record<Tab, HTMLButtonElement | null>>>({});
  const seq = useRef(0);
  const [focusRequest, setFocusRequest] = useState<{ tab: Tab; seq: number } | null>(null);

  useEffect(() => {
    void api.earnRules().then(setRules, () => setRules(null));
    void api.rewards().then(setRewards, () => setRewards([]));
  }, []);

  const member = view?.member ?? summary;
  const name = `${member.givenName} ${member.familyName}`;

  const say = (text: string) => {
    seq.current += 1;
    setNotice({ text, seq: seq.current });
  };

  const refresh = useCallback(async () => {
    const fresh = await reload();
    if (fresh) onChanged(fresh.member);
  }, [reload, onChanged]);

  const open = useCallback((next: Tab) => {
    setTab(next);
    seq.current += 1;
    setFocusRequest({ tab: next, seq: seq.current });
  }, []);

  // Focus moves after React has shown the tab's form (and after the member has loaded).
  // Earn is ready before the member screen has loaded (a cashier may press F6 and type at once);
  // the other tabs wait for it. Each request is handled once, so a late load never steals focus.
  const loaded = view !== null;
  const handledFocus = useRef(0);
  useEffect(() => {
    if (!focusRequest || focusRequest.seq === handledFocus.current) return;
    const target = focusRequest.tab;
    // The member's screen goes to the top of the view, so the form starts under the sticky header.
    panelRef.current?.scrollIntoView({ block: 'start' });
    if (target === 'earn') amountRef.current?.focus();
    else if (!loaded) return;
    else if (target === 'redeem') (rewardRef.current ?? tabRefs.current.redeem)?.focus();
    else if (target === 'adjust') adjustRef.current?.focus();
    else tabRefs.current[target]?.focus();
    handledFocus.current = focusRequest.seq;
  }, [focusRequest, loaded]);

  // A field focused below the sticky header is scrolled clear of it, not under it (CSS scroll-margin).
  useLayoutEffect(() => {
    const sticky = stickyRef.current;
    const panel = panelRef.current;
    if (!sticky || !panel || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(() => {
      panel.style.setProperty('--member-sticky-height', `${Math.ceil(sticky.getBoundingClientRect().height)}px`);
    });
    observer.observe(sticky);
    return () => observer.disconnect();
  }, []);

  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey || dialogOpen()) return;
      const next = event.key === 'F6' ? 'earn' : event.key === 'F7' ? 'redeem' : event.key === 'F8' ? 'adjust' : null;
      if (!next) return;
      event.preventDefault();
      open(next);
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [open]);

  const onTabKeyDown = (event: ReactKeyboardEvent<HTMLButtonElement>) => {
    const next = tabForKey(event.key, TABS, tab);
    if (!next) return;
    event.preventDefault();
    setTab(next);
    tabRefs.current[next]?.focus();
  };

  const written = (message: string, write: LedgerWrite) => {
    say(`${message} ${t('member.newBalance', { n: formatNumber(write.balance.total, locale) })}`);
    void refresh();
  };

  const approvalDone = (request: ApprovalRequest) => {
    setApproval(null);
    // A fresh form: Enter pressed again must not ask for the same adjustment twice.
    if (request.action === 'points.adjust') setAdjustForm((n) => n + 1);
    if (request.action === 'points.adjust') {
      say(t('adjust.done', { signed: formatSigned(request.points, locale) }));
    } else if (request.action === 'points.reverse') {
      // A reversal of a redemption gives points back; of an earn, takes them.
      say(
        request.points > 0
          ? t('ledger.reverseRedeemDone', { n: formatNumber(request.points, locale) })
          : t('ledger.reverseDone', { n: formatNumber(-request.points, locale) }),
      );
    }
    void refresh();
  };

  const canReverse = roleHasPermission(session.role, 'points.adjust.request');

  return (
    <section
      ref={panelRef}
      className="member-detail member-panel"
      aria-labelledby={headingId}
      data-testid="member-detail"
    >
      <div ref={stickyRef} className="member-sticky" data-testid="member-sticky">
        <div className="member-detail-head">
          <div>
            <p className="eyebrow">{t('member.heading')}</p>
            <h2 id={headingId} className="member-name" data-testid="member-name">
              {name}
            </h2>
            <p className="member-sub">
              <span className={`tier tier-${member.tier}`} data-testid="member-tier">
                {t(`tiers.${member.tier}`)}
              </span>
              <span className="mono" data-testid="member-card">
                {formatCardNumber(member.cardNumber)}
              </span>
            </p>
          </div>
          <button type="button" className="button button-secondary button-small" onClick={onClose}>
            {t('member.close')}
          </button>
        </div>

        <div className="balance" data-testid="balance">
          <div className="balance-total">
            <span className="balance-label">{t('balance.total')}</span>
            <span className="balance-value" data-testid="balance-total">
              {formatNumber(member.balance.total, locale)}
            </span>
          </div>
          <dl className="balance-parts">
            <div>
              <dt>{t('balance.confirmed')}</dt>
              <dd data-testid="balance-confirmed">{formatNumber(member.balance.confirmed, locale)}</dd>
            </div>
            <div>
              <dt>{t('balance.pending')}</dt>
              <dd data-testid="balance-pending">{formatNumber(member.balance.pending, locale)}</dd>
            </div>
            <div>
              <dt>{t('balance.spendable')}</dt>
              <dd data-testid="balance-spendable">{view ? formatNumber(view.spendable, locale) : '…'}</dd>
            </div>
          </dl>
        </div>

        <div role="tablist" aria-label={t('member.actions')} className="subtabs">
          {TABS.map((id) => (
            <button
              key={id}
              type="button"
              role="tab"
              id={`${ids}-tab-${id}`}
              ref={(element) => {
                tabRefs.current[id] = element;
              }}
              className="subtab"
              aria-selected={tab === id}
              aria-controls={`${ids}-panel-${id}`}
              aria-keyshortcuts={TAB_KEYS[id]}
              tabIndex={tab === id ? 0 : -1}
              data-testid={`member-tab-${id}`}
              onClick={() => open(id)}
              onKeyDown={onTabKeyDown}
            >
              {t(`member.tabs.${id}`)}
              {TAB_KEYS[id] ? (
                <kbd className="tab-key" aria-hidden="true">
                  {TAB_KEYS[id]}
                </kbd>
              ) : null}
            </button>
          ))}
        </div>
      </div>
      {/* Below the sticky part, so it stays short: the first lines of what scrolls. */}
      <div className="member-notes">
        {!info.paired ? (
          <p className="hint" data-testid="balance-standalone">
            {t('balance.standaloneHint')}
          </p>
        ) : member.balance.pending !== 0 ? (
          <p className="hint">{t('balance.hint')}</p>
        ) : null}
        <div role="status" className="status-slot">
          {notice ? (
            <p key={notice.seq} className="banner banner-success" data-testid="member-notice">
              {notice.text}
            </p>
          ) : null}
        </div>
        {error ? (
          <p className="banner banner-error" role="alert" data-testid="member-error">
            {errorMessage(t, error.code)}
          </p>
        ) : null}
      </div>
      <div
        role="tabpanel"
        id={`${ids}-panel-${tab}`}
        aria-labelledby={`${ids}-tab-${tab}`}
        className="subpanel"
        data-testid={`member-panel-${tab}`}
      >
        {tab === 'earn' ? (
          <EarnForm
            member={member}
            rules={rules}
            amountRef={amountRef}
            onDone={(write) => written(t('earn.done'), write)}
            onRulesChanged={() => void api.earnRules().then(setRules, () => setRules(null))}
          />
        ) : !view ? (
          <p className="hint">{t('member.loading')}</p>
        ) : tab === 'redeem' ? (
          <RedeemForm
            view={view}
            rewards={rewards}
            firstRef={rewardRef}
            onDone={(write, reward) =>
              written(t('redeem.done', { name: reward.name[i18n.language === 'ru' ? 'ru' : 'en'] }), write)
            }
          />
        ) : tab === 'adjust' ? (
          <AdjustForm
            key={adjustForm}
            view={view}
            pointsRef={adjustRef}
            onApproveNow={(draft: AdjustDraft) =>
              setApproval({
                request: {
                  action: 'points.adjust',
                  member: { id: member.id, name },
                  points: draft.points,
                  reasonCode: draft.reasonCode,
                  reasonText: draft.reasonText,
                },
                opener: adjustRef.current,
              })
            }
            onQueued={() => say(t('adjust.queued'))}
          />
        ) : tab === 'history' ? (
          <LedgerTable
            entries={view.ledger}
            rewards={rewards}
            rules={rules ?? null}
            canReverse={canReverse}
            onReverse={(entry, opener) =>
              setApproval({
                request: {
                  action: 'points.reverse',
                  member: { id: member.id, name },
                  opId: entry.opId,
                  points: -entry.points,
                },
                opener,
              })
            }
          />
        ) : (
          <>
            <ProfileSection
              view={view}
              onChanged={(message) => {
                say(message);
                void refresh();
              }}
            />
            <MemberRightsSection
              view={view}
              onRequested={(message) => {
                say(message);
                void refresh();
              }}
              onErased={onErased}
            />
          </>
        )}
      </div>
      {approval ? (
        <ApprovalModal
          request={approval.request}
          opener={approval.opener}
          onClose={() => setApproval(null)}
          onDone={approvalDone}
        />
      ) : null}
    </section>
  );
}
