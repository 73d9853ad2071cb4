import { z } from 'zod';
import type { Figure } from './summary-table';

/**
 * The benches' JSON reports (as they write them with --json), read back by the summary: only the
 * fields the table needs, parsed so a renamed field fails loudly instead of printing NOT RUN.
 */
const Stats = z.object({
  p50: z.number(),
  p95: z.number(),
  p99: z.number(),
  totalMs: z.number(),
  cpuTotalMs: z.number(),
});
const OPERATIONS = ['card', 'phone', 'email', 'namePrefix', 'enroll', 'earn'] as const;
type Operation = (typeof OPERATIONS)[number];
const PerOperation = z.object({
  card: z.number(),
  phone: z.number(),
  email: z.number(),
  namePrefix: z.number(),
  enroll: z.number(),
  earn: z.number(),
});

export const CounterReport = z.object({
  method: z.object({ lookups: z.number(), writes: z.number() }),
  results: z.array(
    z.object({
      kind: z.string(),
      scheme: z.string(),
      size: z.number(),
      ingestMembersPerSecond: z.number(),
      ingestCpuSeconds: z.number(),
      lookupMs: z.object({ card: Stats, phone: Stats, email: Stats, namePrefix: Stats }),
      enrollWriteMs: Stats,
      earnWriteMs: Stats,
    }),
  ),
  ratios: z.array(
    z.object({
      size: z.number(),
      kind: z.string(),
      scheme: z.string(),
      wall: PerOperation,
      cpu: PerOperation,
      ingestWall: z.number(),
      ingestCpu: z.number(),
    }),
  ),
});
export type CounterReport = z.infer<typeof CounterReport>;

/** A percentile of no samples is NaN, which JSON writes as null. */
const Ms = z
  .number()
  .nullable()
  .transform((x) => x ?? Number.NaN);
const Percentiles = z.object({ p50: Ms, p95: Ms, p99: Ms });
export const SnapshotReport = z.object({
  members: z.number(),
  pullSeconds: z.number(),
  membersPerSecond: z.number(),
  lookupMs: Percentiles,
  phoneLookupMs: Percentiles,
  earnsDuringPull: z.number(),
  earnMs: Percentiles,
});
export type SnapshotReport = z.infer<typeof SnapshotReport>;

export const ScaleReport = z.object({
  scenarios: z.array(
    z.object({
      processes: z.number(),
      tills: z.number(),
      ops: z.number(),
      opsPerSecond: z.number(),
      requestMs: Percentiles,
      outcomes: z.object({ applied: z.number(), rejected: z.number() }),
    }),
  ),
  pgbench: z
    .object({
      scale: z.number(),
      runs: z.array(
        z.object({ script: z.enum(['tpcb-like', 'simple-update']), clients: z.number(), tps: z.number().nullable() }),
      ),
    })
    .nullable(),
});
export type ScaleReport = z.infer<typeof ScaleReport>;

export const HqReport = z.object({
  results: z.array(z.object({ backend: z.string(), dayEnd: z.object({ ops: z.number(), seconds: z.number() }) })),
});
export type HqReport = z.infer<typeof HqReport>;

/** Targets of DESIGN §8 that the summary checks. */
export const TARGETS = {
  encryptedOverPlainCpu: 1.1,
  exactLookupP95Ms: 1,
  nameP95Ms: 15,
  writeP95Ms: 10,
  ingestPerSecond: 25_000,
  earnDuringSnapshotP95Ms: 10,
  lookupDuringSnapshotP95Ms: 5,
  snapshotPerSecond: 25_000,
  shareOfPgbench: 0.5,
  dayEndSeconds: 10,
} as const;

const LABEL: Record<Operation, string> = {
  card: 'card lookup',
  phone: 'phone lookup',
  email: 'e-mail lookup',
  namePrefix: 'name search',
  enroll: 'enrol write',
  earn: 'earn write',
};

const members = (n: number) => `${n.toLocaleString('en')} members`;

/** A bench that was asked for and wrote no report: one row that cannot pass. */
export function notRun(what: string): Figure {
  return {
    what: `${what}: no report (it failed or was skipped), its targets unchecked`,
    value: null,
    unit: '',
    baseline: null,
    target: { on: 'value', op: '>=', limit: 0 },
  };
}

/**
 * Counter figures at the largest size measured: the till's scheme ÷ plain by CPU per operation
 * (checked, ≤ 1.10×) and by wall time (reported), every other scheme ÷ plain by CPU (reported),
 * ingest members/s per scheme, and the till's absolute §8 latencies.
 */
export function counterFigures(report: CounterReport): Figure[] {
  const size = Math.max(...report.results.map((r) => r.size));
  const at = report.results.filter((r) => r.size === size);
  const plain = at.find((r) => r.kind === 'plain');
  const till = at.find((r) => r.kind === 'till');
  const count = (op: Operation) => (op === 'enroll' || op === 'earn' ? report.method.writes : report.method.lookups);
  const stats = (r: (typeof at)[number], op: Operation) =>
    op === 'enroll' ? r.enrollWriteMs : op === 'earn' ? r.earnWriteMs : r.lookupMs[op];
  const mean = (r: (typeof at)[number] | undefined, op: Operation, total: 'cpuTotalMs' | 'totalMs') =>
    r ? stats(r, op)[total] / count(op) : null;
  const figures: Figure[] = [];
  const schemes = at.filter((r) => r.kind !== 'plain');
  // The till's own scheme first: its rows carry the target.
  schemes.sort((a, b) => (a.kind === 'till' ? -1 : b.kind === 'till' ? 1 : 0));
  for (const r of schemes) {
    const name = r.kind === 'till' ? `till (${r.scheme})` : r.kind;
    for (const op of OPERATIONS) {
      figures.push({
        what: `${LABEL[op]} CPU per op, ${name} ÷ plain, ${members(size)}`,
        value: mean(r, op, 'cpuTotalMs'),
        unit: 'ms',
        baseline: { label: 'plain', value: mean(plain, op, 'cpuTotalMs') },
        target: r.kind === 'till' ? { on: 'ratio', op: '<=', limit: TARGETS.encryptedOverPlainCpu } : null,
      });
    }
    if (r.kind === 'till') {
      for (const op of OPERATIONS) {
        figures.push({
          what: `${LABEL[op]} wall per op, ${name} ÷ plain, ${members(size)}`,
          value: mean(r, op, 'totalMs'),
          unit: 'ms',
          baseline: { label: 'plain', value: mean(plain, op, 'totalMs') },
          target: null,
        });
      }
    }
    figures.push({
      what: `ingest, ${name}, ${members(size)} (CPU ${(r.ingestCpuSeconds / (plain?.ingestCpuSeconds ?? NaN)).toFixed(2)}× plain's)`,
      value: r.ingestMembersPerSecond,
      unit: 'members/s',
      baseline: { label: 'plain', value: plain?.ingestMembersPerSecond ?? null },
      target: r.kind === 'till' ? { on: 'value', op: '>=', limit: TARGETS.ingestPerSecond } : null,
    });
  }
  if (till) {
    const p95 = (what: string, value: number, limit: number): Figure => ({
      what: `${what} p95, till, ${members(size)}`,
      value,
      unit: 'ms',
      baseline: null,
      target: { on: 'value', op: '<=', limit },
    });
    figures.push(
      p95('card lookup', till.lookupMs.card.p95, TARGETS.exactLookupP95Ms),
      p95('phone lookup', till.lookupMs.phone.p95, TARGETS.exactLookupP95Ms),
      p95('e-mail lookup', till.lookupMs.email.p95, TARGETS.exactLookupP95Ms),
      p95('name search', till.lookupMs.namePrefix.p95, TARGETS.nameP95Ms),
      p95('enrol write', till.enrollWriteMs.p95, TARGETS.writeP95Ms),
      p95('earn write', till.earnWriteMs.p95, TARGETS.writeP95Ms),
    );
  } else {
    figures.push(notRun('counter bench, till cache'));
  }
  return figures;
}

/** The first snapshot end to end, and the counter during it. */
export function snapshotFigures(report: SnapshotReport): Figure[] {
  const n = `${report.members.toLocaleString('en')}-member`;
  return [
    {
      what: `counter earn p95 during a ${n} snapshot (${report.earnsDuringPull} earns)`,
      value: report.earnsDuringPull > 0 ? report.earnMs.p95 : null,
      unit: 'ms',
      baseline: null,
      target: { on: 'value', op: '<=', limit: TARGETS.earnDuringSnapshotP95Ms },
    },
    {
      what: `card lookup p95 during the snapshot`,
      value: report.lookupMs.p95,
      unit: 'ms',
      baseline: null,
      target: { on: 'value', op: '<=', limit: TARGETS.lookupDuringSnapshotP95Ms },
    },
    {
      what: `phone lookup p95 during the snapshot`,
      value: report.phoneLookupMs.p95,
      unit: 'ms',
      baseline: null,
      target: { on: 'value', op: '<=', limit: TARGETS.lookupDuringSnapshotP95Ms },
    },
    {
      what: `${n} snapshot, HQ to till, end to end (${report.pullSeconds} s)`,
      value: report.membersPerSecond,
      unit: 'members/s',
      baseline: null,
      target: { on: 'value', op: '>=', limit: TARGETS.snapshotPerSecond },
    },
  ];
}

/**
 * HQ push per till count: ops/s at each process count (each one checked against the one before:
 * it must grow), with the request p99; then the best of them against pgbench's TPS at the same
 * client count (TPC-B-like checked, ≥ 0.50×; simple-update reported).
 */
export function scaleFigures(report: ScaleReport): Figure[] {
  const figures: Figure[] = [];
  const tillCounts = [...new Set(report.scenarios.map((s) => s.tills))].sort((a, b) => a - b);
  for (const tills of tillCounts) {
    const runs = report.scenarios.filter((s) => s.tills === tills).sort((a, b) => a.processes - b.processes);
    runs.forEach((s, i) => {
      const before = i > 0 ? runs[i - 1]! : null;
      figures.push({
        what: `HQ push, ${tills} tills, ${s.processes} HQ process${s.processes === 1 ? '' : 'es'} (request p99 ${Math.round(s.requestMs.p99).toLocaleString('en')} ms)`,
        value: s.opsPerSecond,
        unit: 'ops/s',
        baseline: before
          ? { label: `${before.processes} process${before.processes === 1 ? '' : 'es'}`, value: before.opsPerSecond }
          : null,
        target: before ? { on: 'ratio', op: '>', limit: 1 } : null,
      });
    });
    const best = Math.max(...runs.map((s) => s.opsPerSecond));
    const tps = (script: 'tpcb-like' | 'simple-update') =>
      report.pgbench?.runs.find((r) => r.clients === tills && r.script === script)?.tps ?? null;
    figures.push(
      {
        what: `HQ push, ${tills} tills, best of ${runs.map((s) => s.processes).join('/')} processes ÷ pgbench TPC-B-like`,
        value: best,
        unit: 'ops/s',
        baseline: { label: `pgbench ${tills} clients`, value: tps('tpcb-like') },
        target: { on: 'ratio', op: '>=', limit: TARGETS.shareOfPgbench },
      },
      {
        what: `HQ push, ${tills} tills, best ÷ pgbench simple-update`,
        value: best,
        unit: 'ops/s',
        baseline: { label: `pgbench ${tills} clients`, value: tps('simple-update') },
        target: null,
      },
    );
  }
  return figures;
}

/** The day-end push of the HQ bench, on PostgreSQL. */
export function hqFigures(report: HqReport): Figure[] {
  return report.results
    .filter((r) => r.backend === 'postgres')
    .map((r) => ({
      what: `day-end push of ${r.dayEnd.ops.toLocaleString('en')} ops, 1 till, PostgreSQL`,
      value: r.dayEnd.seconds,
      unit: 's',
      baseline: null,
      target: { on: 'value', op: '<=', limit: TARGETS.dayEndSeconds },
    }));
}
