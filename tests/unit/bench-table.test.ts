import { describe, expect, it } from 'vitest';
import { scaleFigures, snapshotFigures } from '../../bench/summary-figures';
import { formatTable, rowOf, type Figure } from '../../bench/summary-table';

// The bench table's verdicts from given figures (no bench runs here): a FAIL must read FAIL, and a
// figure that was not measured must never read PASS.
describe('bench summary table', () => {
  it('checks a ratio against its baseline: 1.08× passes ≤ 1.10×, 1.25× fails', () => {
    const earn: Figure = {
      what: 'earn CPU, aegis ÷ plain',
      value: 0.54,
      unit: 'ms',
      baseline: { label: 'plain', value: 0.5 },
      target: { on: 'ratio', op: '<=', limit: 1.1 },
    };
    expect(rowOf(earn)).toEqual({
      what: 'earn CPU, aegis ÷ plain',
      measured: '0.54 ms',
      baseline: 'plain 0.50 ms',
      ratio: '1.08×',
      target: '≤ 1.10×',
      verdict: 'PASS',
    });
    expect(rowOf({ ...earn, value: 0.625 })).toMatchObject({ ratio: '1.25×', verdict: 'FAIL' });
  });

  it('checks a value: earn p95 12.5 ms fails ≤ 10 ms, 31,000 members/s passes ≥ 25,000', () => {
    expect(
      rowOf({
        what: 'counter earn p95 during the snapshot',
        value: 12.5,
        unit: 'ms',
        baseline: null,
        target: { on: 'value', op: '<=', limit: 10 },
      }),
    ).toEqual({
      what: 'counter earn p95 during the snapshot',
      measured: '12.5 ms',
      baseline: '',
      ratio: '',
      target: '≤ 10.0 ms',
      verdict: 'FAIL',
    });
    expect(
      rowOf({
        what: 'snapshot end to end',
        value: 31_000,
        unit: 'members/s',
        baseline: null,
        target: { on: 'value', op: '>=', limit: 25_000 },
      }),
    ).toMatchObject({ measured: '31,000 members/s', target: '≥ 25,000 members/s', verdict: 'PASS' });
  });

  it('growth is strict: 2 processes at exactly 1 process’s ops/s is FAIL, one more op/s is PASS', () => {
    const growth: Figure = {
      what: 'HQ push, 200 tills, 2 ÷ 1 processes',
      value: 3000,
      unit: 'ops/s',
      baseline: { label: '1 process', value: 3000 },
      target: { on: 'ratio', op: '>', limit: 1 },
    };
    expect(rowOf(growth)).toMatchObject({ ratio: '1.00×', target: '> 1.00×', verdict: 'FAIL' });
    expect(rowOf({ ...growth, value: 3001 })).toMatchObject({ verdict: 'PASS' });
  });

  it('HQ against half of pgbench: 2,400 of 5,000 TPS fails ≥ 0.50×, 2,600 passes', () => {
    const share: Figure = {
      what: 'HQ push, 500 tills, best of 1-4 processes',
      value: 2400,
      unit: 'ops/s',
      baseline: { label: 'pgbench TPC-B-like, 500 clients', value: 5000 },
      target: { on: 'ratio', op: '>=', limit: 0.5 },
    };
    expect(rowOf(share)).toMatchObject({
      baseline: 'pgbench TPC-B-like, 500 clients 5,000 ops/s',
      ratio: '0.48×',
      verdict: 'FAIL',
    });
    expect(rowOf({ ...share, value: 2600 })).toMatchObject({ ratio: '0.52×', verdict: 'PASS' });
  });

  it('a figure or baseline that was not measured is NOT RUN, and a figure without a target has no verdict', () => {
    expect(
      rowOf({
        what: 'earn CPU, chacha20 ÷ plain',
        value: null,
        unit: 'ms',
        baseline: { label: 'plain', value: 0.5 },
        target: { on: 'ratio', op: '<=', limit: 1.1 },
      }),
    ).toMatchObject({ measured: 'not run', ratio: '', verdict: 'NOT RUN' });
    expect(
      rowOf({
        what: 'HQ push vs pgbench',
        value: 2600,
        unit: 'ops/s',
        baseline: { label: 'pgbench', value: null },
        target: { on: 'ratio', op: '>=', limit: 0.5 },
      }),
    ).toMatchObject({ baseline: 'pgbench not run', verdict: 'NOT RUN' });
    expect(
      rowOf({ what: 'pgbench simple-update', value: 7000, unit: 'tps', baseline: null, target: null }),
    ).toMatchObject({ measured: '7,000 tps', verdict: '' });
  });

  it('the table has one line per figure and counts the verdicts', () => {
    const rows = [
      rowOf({ what: 'a', value: 1, unit: 'ms', baseline: null, target: { on: 'value', op: '<=', limit: 10 } }),
      rowOf({ what: 'b', value: 11, unit: 'ms', baseline: null, target: { on: 'value', op: '<=', limit: 10 } }),
      rowOf({ what: 'c', value: null, unit: 'ms', baseline: null, target: { on: 'value', op: '<=', limit: 10 } }),
    ];
    expect(formatTable(rows).split('\n')).toEqual([
      '| figure | measured | baseline | ratio | target | verdict |',
      '|---|---|---|---|---|---|',
      '| a | 1.00 ms |  |  | ≤ 10.0 ms | PASS |',
      '| b | 11.0 ms |  |  | ≤ 10.0 ms | FAIL |',
      '| c | not run |  |  | ≤ 10.0 ms | NOT RUN |',
      'targets: 1 PASS, 1 FAIL, 1 NOT RUN',
    ]);
  });

  it('HQ scale-out rows: each process count against the one before, the best against pgbench', () => {
    const scenario = (processes: number, opsPerSecond: number, p99: number) => ({
      processes,
      tills: 200,
      ops: opsPerSecond * 15,
      opsPerSecond,
      requestMs: { p50: 1, p95: 2, p99 },
      outcomes: { applied: opsPerSecond * 15, rejected: 0 },
    });
    const rows = scaleFigures({
      scenarios: [scenario(1, 2000, 90), scenario(2, 3000, 80), scenario(4, 2900, 120)],
      pgbench: {
        scale: 50,
        runs: [
          { script: 'tpcb-like', clients: 200, tps: 5000 },
          { script: 'simple-update', clients: 200, tps: 8000 },
        ],
      },
    }).map(rowOf);
    expect(rows.map((r) => [r.what, r.ratio, r.verdict])).toEqual([
      ['HQ push, 200 tills, 1 HQ process (request p99 90 ms)', '', ''],
      ['HQ push, 200 tills, 2 HQ processes (request p99 80 ms)', '1.50×', 'PASS'],
      ['HQ push, 200 tills, 4 HQ processes (request p99 120 ms)', '0.97×', 'FAIL'],
      ['HQ push, 200 tills, best of 1/2/4 processes ÷ pgbench TPC-B-like', '0.60×', 'PASS'],
      ['HQ push, 200 tills, best ÷ pgbench simple-update', '0.38×', ''],
    ]);
  });

  it('a snapshot without a single earn reads NOT RUN for the earn target, not PASS', () => {
    const rows = snapshotFigures({
      members: 1_000_000,
      pullSeconds: 40,
      membersPerSecond: 25_000,
      lookupMs: { p50: 0.1, p95: 0.4, p99: 3 },
      phoneLookupMs: { p50: 0.2, p95: 6, p99: 9 },
      earnsDuringPull: 0,
      earnMs: { p50: Number.NaN, p95: Number.NaN, p99: Number.NaN },
    }).map(rowOf);
    expect(rows.map((r) => r.verdict)).toEqual(['NOT RUN', 'PASS', 'FAIL', 'PASS']);
  });
});
