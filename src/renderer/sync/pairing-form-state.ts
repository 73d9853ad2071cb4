import type { FieldIssue } from '../../shared/errors';
import type { ClientErrorCode } from '../api/client';
import {
  DEVICE_NAME_MAX,
  HQ_URL_MAX,
  PAIRING_CODE_MAX,
  deviceNameProblem,
  hqUrlProblem,
  pairingCodeProblem,
  tidyHqUrl,
  tidyPairingCode,
  type HqUrlProblem,
} from './sync-rules';

/**
 * The pairing form as a state machine (pure: no DOM, no React, no calls), driven by useReducer in
 * PairingForm. Step 1 checks HQ's address and shows the certificate fingerprint HQ presented;
 * step 2 sends the one-time code and the till's name, pinned to that fingerprint.
 */

export type PairingField = 'hqUrl' | 'confirmed' | 'pairingCode' | 'deviceName';

/** A message kept as what it says, translated when shown (so it follows a change of language). */
export type PairingMessage =
  | { kind: 'text'; key: 'pairing.hqUrlInvalid' | 'pairing.fingerprintNotConfirmed' | 'pairing.codeFormat' }
  | { kind: 'issue'; code: string; max?: number }
  | { kind: 'error'; code: ClientErrorCode };

export type PairingErrors = Partial<Record<PairingField, PairingMessage>>;

/** Where the focus goes once the state is on screen. */
export type PairingFocus = PairingField | 'fingerprint';

export interface PairingState {
  hqUrl: string;
  /** The address HQ answered at and the fingerprint of the certificate it presented: step 2 is open. */
  checked: { hqUrl: string; certSha256: string } | null;
  confirmed: boolean;
  code: string;
  deviceName: string;
  errors: PairingErrors;
  checkProblem: PairingMessage | null;
  pairProblem: PairingMessage | null;
  busy: 'check' | 'pair' | null;
  /** `seq` tells two requests for the same place apart. */
  focus: { target: PairingFocus; seq: number } | null;
}

/** A refusal from the main process, as the form needs it. */
export interface PairingRefusal {
  code: ClientErrorCode;
  issues: readonly FieldIssue[];
}

export type PairingAction =
  | { type: 'editUrl'; value: string }
  | { type: 'check' }
  /** HQ answered at `hqUrl` (the address as it was sent) with this certificate. */
  | { type: 'checked'; hqUrl: string; certSha256: string }
  | { type: 'checkFailed'; refusal: PairingRefusal }
  | { type: 'confirm'; checked: boolean }
  /** `atEnd`: the caret was at the end (typing on), so the code may be tidied without moving it. */
  | { type: 'editCode'; value: string; atEnd: boolean }
  | { type: 'tidyCode' }
  | { type: 'editName'; value: string }
  | { type: 'pair' }
  | { type: 'paired' }
  | { type: 'pairFailed'; refusal: PairingRefusal }
  | { type: 'changeAddress' };

const PAIR_ORDER: readonly PairingField[] = ['confirmed', 'pairingCode', 'deviceName'];

export function initialPairingState(deviceName: string): PairingState {
  return {
    hqUrl: '',
    checked: null,
    confirmed: false,
    code: '',
    deviceName,
    errors: {},
    checkProblem: null,
    pairProblem: null,
    busy: null,
    focus: null,
  };
}

const focusOn = (state: PairingState, target: PairingFocus): PairingState['focus'] => ({
  target,
  seq: (state.focus?.seq ?? 0) + 1,
});

/** Back to step 1: a new address (or HQ's certificate changed) needs a new check. */
const forgetCheck = (state: PairingState): PairingState => ({
  ...state,
  checked: null,
  confirmed: false,
  pairProblem: null,
});

function withErrors(state: PairingState, errors: PairingErrors, order: readonly PairingField[]): PairingState {
  const first = order.find((field) => errors[field]);
  return { ...state, errors, focus: first ? focusOn(state, first) : state.focus };
}

const urlMessage = (problem: HqUrlProblem): PairingMessage =>
  problem === 'hq_url_invalid'
    ? { kind: 'text', key: 'pairing.hqUrlInvalid' }
    : { kind: 'issue', code: problem, max: HQ_URL_MAX };

const issueAt = (refusal: PairingRefusal, path: string) => refusal.issues.find((one) => one.path === path)?.code;

function checkFailed(state: PairingState, refusal: PairingRefusal): PairingState {
  const idle = forgetCheck({ ...state, busy: null });
  const issue = issueAt(refusal, 'hqUrl');
  if (issue) {
    // The main process reports its URL check as `invalid`: said here the way the form says it.
    const known = issue === 'required' || issue === 'too_long' ? issue : 'hq_url_invalid';
    return withErrors(idle, { hqUrl: urlMessage(known) }, ['hqUrl']);
  }
  return { ...idle, checkProblem: { kind: 'error', code: refusal.code }, focus: focusOn(state, 'hqUrl') };
}

function pairFailed(state: PairingState, refusal: PairingRefusal): PairingState {
  const idle: PairingState = { ...state, busy: null };
  const codeIssue = issueAt(refusal, 'pairingCode');
  const nameIssue = issueAt(refusal, 'deviceName');
  if (refusal.code === 'pairing_code_invalid') {
    return withErrors(idle, { pairingCode: { kind: 'error', code: refusal.code } }, PAIR_ORDER);
  }
  if (codeIssue || nameIssue) {
    return withErrors(
      idle,
      {
        ...(codeIssue ? { pairingCode: { kind: 'issue', code: codeIssue, max: PAIRING_CODE_MAX } } : {}),
        ...(nameIssue ? { deviceName: { kind: 'issue', code: nameIssue, max: DEVICE_NAME_MAX } } : {}),
      },
      PAIR_ORDER,
    );
  }
  if (refusal.code === 'hq_certificate_changed' || issueAt(refusal, 'hqUrl') || issueAt(refusal, 'certSha256')) {
    // HQ is not the server that was checked (or the check is unusable): check the address again.
    const code = refusal.code === 'validation_failed' ? 'hq_certificate_changed' : refusal.code;
    return { ...forgetCheck(idle), checkProblem: { kind: 'error', code }, focus: focusOn(state, 'hqUrl') };
  }
  return { ...idle, pairProblem: { kind: 'error', code: refusal.code } };
}

export function pairingFormReducer(state: PairingState, action: PairingAction): PairingState {
  switch (action.type) {
    case 'editUrl': {
      const next = { ...state, hqUrl: action.value };
      return state.checked && tidyHqUrl(action.value) !== state.checked.hqUrl ? forgetCheck(next) : next;
    }
    case 'check': {
      if (state.busy) return state;
      const url = tidyHqUrl(state.hqUrl);
      const tidied: PairingState = { ...state, hqUrl: url, checkProblem: null };
      const problem = hqUrlProblem(url);
      if (problem) return withErrors(forgetCheck(tidied), { hqUrl: urlMessage(problem) }, ['hqUrl']);
      return { ...tidied, errors: {}, busy: 'check' };
    }
    case 'checked':
      return {
        ...state,
        busy: null,
        confirmed: false,
        pairProblem: null,
        checked: { hqUrl: action.hqUrl, certSha256: action.certSha256 },
        // The fingerprint just shown takes the focus, so it is read out and Tab goes on to confirm it.
        focus: focusOn(state, 'fingerprint'),
      };
    case 'checkFailed':
      return checkFailed(state, action.refusal);
    case 'confirm': {
      if (!action.checked) return { ...state, confirmed: false };
      const { confirmed: _gone, ...rest } = state.errors;
      return { ...state, confirmed: true, errors: rest };
    }
    case 'editCode':
      return { ...state, code: action.atEnd ? tidyPairingCode(action.value) : action.value };
    case 'tidyCode':
      return { ...state, code: tidyPairingCode(state.code) };
    case 'editName':
      return { ...state, deviceName: action.value };
    case 'pair': {
      if (state.busy || !state.checked) return state;
      const code = tidyPairingCode(state.code);
      const tidied: PairingState = { ...state, code, pairProblem: null };
      const found: PairingErrors = {};
      if (!state.confirmed) found.confirmed = { kind: 'text', key: 'pairing.fingerprintNotConfirmed' };
      const codeProblem = pairingCodeProblem(code);
      if (codeProblem === 'required') found.pairingCode = { kind: 'issue', code: 'required' };
      else if (codeProblem) found.pairingCode = { kind: 'text', key: 'pairing.codeFormat' };
      const nameProblem = deviceNameProblem(state.deviceName);
      if (nameProblem) found.deviceName = { kind: 'issue', code: nameProblem, max: DEVICE_NAME_MAX };
      if (PAIR_ORDER.some((field) => found[field])) return withErrors(tidied, found, PAIR_ORDER);
      return { ...tidied, errors: {}, busy: 'pair' };
    }
    case 'paired':
      return { ...state, busy: null };
    case 'pairFailed':
      return pairFailed(state, action.refusal);
    case 'changeAddress':
      return { ...forgetCheck(state), errors: {}, focus: focusOn(state, 'hqUrl') };
  }
}
