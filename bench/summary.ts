/**
 * npm run bench's last step: the issue 15 bench table (DESIGN §8) from the reports the benches of
 * this run wrote, each figure with its baseline, ratio, target and PASS/FAIL. A bench that was run
 * but left no report (it failed) gets a NOT RUN row. Exit code 0 whatever the verdicts: the bench
 * reports, it does not gate CI.
 *
 *   node bench/dist/summary.js --dir DIR --ran counter,snapshot,scale,hq [--json FILE]
 *
 * DIR holds <bench>.json as each bench wrote it with --json. --json FILE writes the rows, the
 * figures and every report read.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  CounterReport,
  HqReport,
  ScaleReport,
  SnapshotReport,
  counterFigures,
  hqFigures,
  notRun,
  scaleFigures,
  snapshotFigures,
} from './summary-figures';
import { formatTable, rowOf } from './summary-table';

/** Each report parsed (so a renamed field fails loudly) and turned into the table's figures. */
const SOURCES = {
  counter: { label: 'counter bench', figures: (json: unknown) => counterFigures(CounterReport.parse(json)) },
  snapshot: { label: 'snapshot bench', figures: (json: unknown) => snapshotFigures(SnapshotReport.parse(json)) },
  scale: { label: 'HQ scale-out bench', figures: (json: unknown) => scaleFigures(ScaleReport.parse(json)) },
  hq: { label: 'HQ bench', figures: (json: unknown) => hqFigures(HqReport.parse(json)) },
} as const;
type Source = keyof typeof SOURCES;

function main() {
  const { values } = parseArgs({
    options: { dir: { type: 'string' }, ran: { type: 'string', default: '' }, json: { type: 'string' } },
  });
  if (!values.dir) throw new Error('summary: --dir is required');
  const ran = values.ran.split(',').filter((name): name is Source => name in SOURCES);
  const reports: Record<string, unknown> = {};
  const figures = ran.flatMap((name) => {
    const path = join(values.dir!, `${name}.json`);
    if (!existsSync(path)) return [notRun(SOURCES[name].label)];
    const report: unknown = JSON.parse(readFileSync(path, 'utf8'));
    reports[name] = report;
    return SOURCES[name].figures(report);
  });
  const rows = figures.map(rowOf);
  console.log(`\nIssue 15 bench table (DESIGN §8), ${cpus().length} CPUs, Node ${process.version}:`);
  console.log(formatTable(rows));
  if (values.json) writeFileSync(values.json, JSON.stringify({ rows, figures, reports }, null, 2));
}

main();
