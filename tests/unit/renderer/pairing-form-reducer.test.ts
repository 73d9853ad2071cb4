import { describe, expect, it } from 'vitest';
import {
  initialPairingState,
  pairingFormReducer,
  type PairingAction,
  type PairingState,
} from '../../../src/renderer/sync/pairing-form-state';

const FP = 'ab'.repeat(32);
const run = (state: PairingState, ...actions: PairingAction[]) => actions.reduce(pairingFormReducer, state);
const start = () => initialPairingState('Till 1');

/** Step 2 open: HQ answered at its address with certificate FP. */
const checked = () =>
  run(
    start(),
    { type: 'editUrl', value: 'hq.example.com:8443' },
    { type: 'check' },
    { type: 'checked', hqUrl: 'https://hq.example.com:8443', certSha256: FP },
  );

describe('pairing form reducer', () => {
  it('starts at step 1 with the default till name', () => {
    expect(start()).toEqual({
      hqUrl: '',
      checked: null,
      confirmed: false,
      code: '',
      deviceName: 'Till 1',
      errors: {},
      checkProblem: null,
      pairProblem: null,
      busy: null,
      focus: null,
    });
  });

  it('an empty address is refused at the field without a check', () => {
    expect(run(start(), { type: 'check' })).toEqual({
      ...start(),
      errors: { hqUrl: { kind: 'issue', code: 'required', max: 200 } },
      focus: { target: 'hqUrl', seq: 1 },
    });
    expect(run(start(), { type: 'editUrl', value: 'http://hq.example.com' }, { type: 'check' }).errors).toEqual({
      hqUrl: { kind: 'text', key: 'pairing.hqUrlInvalid' },
    });
  });

  it('an address typed without a scheme is checked over https, then the fingerprint takes the focus', () => {
    const checking = run(start(), { type: 'editUrl', value: ' hq.example.com:8443 ' }, { type: 'check' });
    expect(checking).toEqual({ ...start(), hqUrl: 'https://hq.example.com:8443', busy: 'check' });
    // A second Enter while the check is out changes nothing.
    expect(pairingFormReducer(checking, { type: 'check' })).toBe(checking);
    expect(run(checking, { type: 'checked', hqUrl: 'https://hq.example.com:8443', certSha256: FP })).toEqual({
      ...start(),
      hqUrl: 'https://hq.example.com:8443',
      checked: { hqUrl: 'https://hq.example.com:8443', certSha256: FP },
      focus: { target: 'fingerprint', seq: 1 },
    });
  });

  it('an unreachable HQ is said above the form and the address keeps the focus', () => {
    const state = run(
      start(),
      { type: 'editUrl', value: 'https://hq.example.com' },
      { type: 'check' },
      { type: 'checkFailed', refusal: { code: 'hq_unreachable', issues: [] } },
    );
    expect(state).toEqual({
      ...start(),
      hqUrl: 'https://hq.example.com',
      checkProblem: { kind: 'error', code: 'hq_unreachable' },
      focus: { target: 'hqUrl', seq: 1 },
    });
  });

  it('step 2 lists what is missing in screen order and focuses the first', () => {
    const state = run(checked(), { type: 'editName', value: '  ' }, { type: 'pair' });
    expect(state).toEqual({
      ...checked(),
      deviceName: '  ',
      errors: {
        confirmed: { kind: 'text', key: 'pairing.fingerprintNotConfirmed' },
        pairingCode: { kind: 'issue', code: 'required' },
        deviceName: { kind: 'issue', code: 'required', max: 60 },
      },
      focus: { target: 'confirmed', seq: 2 },
    });
    // Ticking the box clears its error at once.
    expect(run(state, { type: 'confirm', checked: true }).errors).toEqual({
      pairingCode: { kind: 'issue', code: 'required' },
      deviceName: { kind: 'issue', code: 'required', max: 60 },
    });
  });

  it('the code is tidied as typed at the end, and as typed in the middle only on leaving the box', () => {
    expect(run(checked(), { type: 'editCode', value: '7k3m 9qxd', atEnd: true }).code).toBe('7K3M-9QXD');
    const middle = run(checked(), { type: 'editCode', value: '7k3m 9qxd', atEnd: false });
    expect(middle.code).toBe('7k3m 9qxd');
    expect(run(middle, { type: 'tidyCode' }).code).toBe('7K3M-9QXD');
  });

  it('a complete step 2 goes out; a wrong code is said at the code', () => {
    const sending = run(
      checked(),
      { type: 'confirm', checked: true },
      { type: 'editCode', value: '7k3m9qxd2hfa', atEnd: false },
      { type: 'pair' },
    );
    expect(sending).toEqual({ ...checked(), confirmed: true, code: '7K3M-9QXD-2HFA', busy: 'pair' });
    expect(run(sending, { type: 'pairFailed', refusal: { code: 'pairing_code_invalid', issues: [] } })).toEqual({
      ...sending,
      busy: null,
      errors: { pairingCode: { kind: 'error', code: 'pairing_code_invalid' } },
      focus: { target: 'pairingCode', seq: 2 },
    });
  });

  it('HQ presenting another certificate at pairing sends the form back to step 1', () => {
    const sending = run(
      checked(),
      { type: 'confirm', checked: true },
      { type: 'editCode', value: '7K3M-9QXD-2HFA', atEnd: true },
      { type: 'pair' },
    );
    expect(run(sending, { type: 'pairFailed', refusal: { code: 'hq_certificate_changed', issues: [] } })).toEqual({
      ...sending,
      busy: null,
      checked: null,
      confirmed: false,
      checkProblem: { kind: 'error', code: 'hq_certificate_changed' },
      focus: { target: 'hqUrl', seq: 2 },
    });
  });

  it('editing the address after a check closes step 2; changing it back to the checked one does not', () => {
    expect(run(checked(), { type: 'editUrl', value: 'https://hq.example.com:8443 ' }).checked).toEqual({
      hqUrl: 'https://hq.example.com:8443',
      certSha256: FP,
    });
    expect(
      run(checked(), { type: 'confirm', checked: true }, { type: 'editUrl', value: 'https://other.example' }),
    ).toEqual({ ...checked(), hqUrl: 'https://other.example', checked: null, confirmed: false });
  });

  it('"Change address" goes back to step 1 with the focus on the address', () => {
    expect(run(checked(), { type: 'pair' }, { type: 'changeAddress' })).toEqual({
      ...checked(),
      checked: null,
      errors: {},
      code: '',
      focus: { target: 'hqUrl', seq: 3 },
    });
  });
});
