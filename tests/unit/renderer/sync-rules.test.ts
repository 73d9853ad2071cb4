import { describe, expect, it } from 'vitest';
import {
  deviceNameProblem,
  fingerprintGroups,
  hqUrlProblem,
  linkState,
  pairingCodeProblem,
  pendingBars,
  progressPercent,
  secondsUntilRetry,
  shortId,
  syncErrorKey,
  tidyHqUrl,
  tidyPairingCode,
} from '../../../src/renderer/sync/sync-rules';

describe('pairing form rules', () => {
  it('assumes https:// for an address typed without a scheme, and keeps any other scheme to refuse it', () => {
    expect(tidyHqUrl('  hq.example.com:8443 ')).toBe('https://hq.example.com:8443');
    expect(tidyHqUrl('https://hq.example.com')).toBe('https://hq.example.com');
    expect(tidyHqUrl('http://hq.example.com')).toBe('http://hq.example.com');
    expect(tidyHqUrl('   ')).toBe('');
  });

  it('checks the address as the main process does: https only, no credentials or query', () => {
    expect(hqUrlProblem('https://127.0.0.1:8443')).toBeNull();
    expect(hqUrlProblem('')).toBe('required');
    expect(hqUrlProblem('http://hq.example.com')).toBe('hq_url_invalid');
    expect(hqUrlProblem('https://user:secret@hq.example.com')).toBe('hq_url_invalid');
    expect(hqUrlProblem('https://hq.example.com/?x=1')).toBe('hq_url_invalid');
    expect(hqUrlProblem(`https://${'a'.repeat(200)}.com`)).toBe('too_long');
  });

  it('tidies a pairing code as typed: case, spaces and dashes do not matter, O/I/L read as 0/1/1', () => {
    expect(tidyPairingCode('7k3m 9qxd-2hfa')).toBe('7K3M-9QXD-2HFA');
    expect(tidyPairingCode('7K3M9QXD2HFO')).toBe('7K3M-9QXD-2HF0');
    expect(tidyPairingCode('abcd-')).toBe('ABCD');
    expect(tidyPairingCode('')).toBe('');
    expect(pairingCodeProblem('7k3m 9qxd 2hfa')).toBeNull();
    expect(pairingCodeProblem(' - ')).toBe('required');
    expect(pairingCodeProblem('7K3M-9QXD')).toBe('pairing_code_format');
    // U is not in the alphabet HQ draws codes from.
    expect(pairingCodeProblem('7K3M-9QXD-2HFU')).toBe('pairing_code_format');
  });

  it('wants a device name of at most 60 characters', () => {
    expect(deviceNameProblem('Till 1')).toBeNull();
    expect(deviceNameProblem('  ')).toBe('required');
    expect(deviceNameProblem('x'.repeat(61))).toBe('too_long');
  });

  it('shows a SHA-256 fingerprint in eight groups of four bytes, and anything else as it came', () => {
    const bytes = Array.from({ length: 32 }, (_, i) => i.toString(16).padStart(2, '0').toUpperCase());
    const groups = fingerprintGroups(bytes.join(':'));
    expect(groups).toHaveLength(8);
    expect(groups[0]).toBe('00:01:02:03');
    expect(groups[7]).toBe('1C:1D:1E:1F');
    expect(groups.join(':')).toBe(bytes.join(':'));
    expect(fingerprintGroups('not a fingerprint')).toEqual(['not a fingerprint']);
  });
});

describe('sync screen rules', () => {
  const base = { paired: true, online: null, running: null, lastSuccessAt: null, lastError: null };

  it('says how the link to HQ is', () => {
    expect(linkState({ ...base, paired: false, online: true })).toBe('unpaired');
    expect(linkState({ ...base, online: true, running: { phase: 'push' } })).toBe('running');
    expect(linkState({ ...base, online: true })).toBe('online');
    expect(linkState({ ...base, online: false })).toBe('offline');
    expect(linkState(base)).toBe('never');
    // Not tried since the app started: the last run recorded says how it went.
    expect(linkState({ ...base, lastSuccessAt: '2026-01-01T10:00:00Z' })).toBe('online');
    expect(linkState({ ...base, lastSuccessAt: '2026-01-01T10:00:00Z', lastError: 'timeout' })).toBe('offline');
  });

  it('translates known sync errors and falls back for others', () => {
    expect(syncErrorKey('network')).toBe('network');
    expect(syncErrorKey('cursor_expired')).toBe('cursor_expired');
    expect(syncErrorKey('something_new')).toBe('other');
  });

  it('draws pending ops the most first, bars relative to the largest', () => {
    expect(pendingBars({})).toEqual([]);
    expect(pendingBars({ 'consent.changed': 5, 'points.earned': 10, 'member.enrolled': 0 })).toEqual([
      { type: 'points.earned', count: 10, share: 100 },
      { type: 'consent.changed', count: 5, share: 50 },
    ]);
    // A tiny count still shows a sliver.
    expect(pendingBars({ 'points.earned': 1000, 'points.redeemed': 1 })[1]?.share).toBe(2);
  });

  it('knows a progress percentage only with a total', () => {
    expect(progressPercent(5, 10)).toBe(50);
    expect(progressPercent(12, 10)).toBe(100);
    expect(progressPercent(5, null)).toBeNull();
    expect(progressPercent(0, 0)).toBeNull();
  });

  it('counts down to the next try from when the failure was first seen, never below 0 nor above the wait', () => {
    expect(secondsUntilRetry(30_000, 1_000, 1_000)).toBe(30);
    expect(secondsUntilRetry(30_000, 1_000, 11_500)).toBe(20);
    expect(secondsUntilRetry(30_000, 1_000, 40_000)).toBe(0);
    expect(secondsUntilRetry(30_000, 5_000, 1_000)).toBe(30);
  });

  it('shortens member ids to their distinct end', () => {
    expect(shortId('0190b1c2-aaaa-7bbb-8ccc-1234567890ab')).toBe('…567890ab');
    expect(shortId('m-1')).toBe('m-1');
  });
});
