import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Static Electron security scan (DESIGN §7) with @doyensec/electronegativity over the TypeScript
 * sources (it parses TS with Babel). The tool always exits 0, so this test reads its SARIF output
 * and fails on any finding not reviewed in electronegativity-suppressions.json, on stale
 * suppressions, on files the tool could not parse, and on inline `eng-disable` comments.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const RUNNER = fileURLToPath(new URL('./support/electronegativity-runner.mjs', import.meta.url));

interface Suppression {
  rule: string;
  file: string;
  snippet?: string;
  line?: number;
  reason: string;
}
interface SuppressionsFile {
  excludedChecks: { check: string; reason: string }[];
  suppressions: Suppression[];
}
interface Finding {
  rule: string;
  file: string;
  line: number;
  text: string;
  message: string;
}
interface ScanResult {
  findings: Finding[];
  errors: { file: string; message: string; tolerable: boolean }[];
  atomicChecks: number;
  globalChecks: number;
}

const suppressionsFile = JSON.parse(
  await readFile(join(ROOT, 'electronegativity-suppressions.json'), 'utf8'),
) as SuppressionsFile;
const electronVersion = (
  JSON.parse(await readFile(join(ROOT, 'node_modules/electron/package.json'), 'utf8')) as { version: string }
).version;

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

function runNode(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      // English messages; the tool's attempt to fetch translations fails fast offline.
      env: { ...process.env, LANG: 'en-US' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`electronegativity exited with ${code}: ${stderr}`));
    });
  });
}

/** Scans a directory and returns the findings with the text of each flagged line. */
async function scan(input: string, outDir: string): Promise<ScanResult> {
  const output = join(outDir, 'electronegativity.sarif');
  const stdout = await runNode([
    RUNNER,
    JSON.stringify({
      input,
      output,
      electronVersion,
      excludeChecks: suppressionsFile.excludedChecks.map((c) => c.check.toLowerCase()),
    }),
  ]);
  const marker = stdout.lastIndexOf('@@RESULT@@');
  expect(marker, `runner printed no result:\n${stdout}`).toBeGreaterThanOrEqual(0);
  const summary = JSON.parse(stdout.slice(marker + '@@RESULT@@'.length)) as Omit<ScanResult, 'findings'>;

  const sarif = JSON.parse(await readFile(output, 'utf8')) as {
    runs: {
      results: {
        ruleId: string;
        message: { text: string };
        locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[];
      }[];
    }[];
  };
  const findings: Finding[] = [];
  for (const result of sarif.runs.flatMap((run) => run.results)) {
    const location = result.locations[0]?.physicalLocation;
    const file = location?.artifactLocation.uri ?? 'N/A';
    const line = location?.region.startLine ?? 0;
    let text = '';
    if (!file.startsWith('file:')) {
      const lines = (await readFile(join(input, file), 'utf8')).split('\n');
      text = lines[line - 1]?.trim() ?? '';
    }
    findings.push({ rule: result.ruleId, file, line, text, message: result.message.text });
  }
  return { ...summary, findings };
}

function matches(s: Suppression, f: Finding): boolean {
  return (
    s.rule === f.rule &&
    s.file === f.file &&
    (s.line === undefined || s.line === f.line) &&
    (s.snippet === undefined || f.text.includes(s.snippet))
  );
}

let work: string;
let scanned: string;
let result: ScanResult;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'loyalty-electronegativity-'));
  scanned = join(work, 'app');
  // The application sources and the manifest (for the Electron version checks); not tests or tools.
  await cp(join(ROOT, 'src'), join(scanned, 'src'), { recursive: true });
  await cp(join(ROOT, 'package.json'), join(scanned, 'package.json'));
  result = await scan(scanned, work);
}, 120_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('electronegativity-suppressions.json', () => {
  it('gives every suppression and exclusion a rule, a file, a locator and a real reason', () => {
    for (const excluded of suppressionsFile.excludedChecks) {
      expect(excluded.check).toMatch(/^[A-Za-z]+Check$/);
      expect(excluded.reason.trim().length, excluded.check).toBeGreaterThan(40);
    }
    for (const s of suppressionsFile.suppressions) {
      const where = `${s.rule} in ${s.file}`;
      expect(s.rule, where).toMatch(/^[A-Z_]+_CHECK$/);
      expect(s.file, where).not.toMatch(/^\/|\.\./);
      expect(s.snippet !== undefined || s.line !== undefined, `${where} needs a snippet or a line`).toBe(true);
      if (s.snippet !== undefined) expect(s.snippet.trim().length, where).toBeGreaterThan(0);
      expect(typeof s.reason, where).toBe('string');
      expect(s.reason.trim().length, `${where}: the reason must explain why`).toBeGreaterThan(40);
    }
  });
});

describe('Electronegativity scan of the sources', () => {
  it('ran its checks and parsed every source file (an unparsed file would be silently unchecked)', () => {
    expect(result.atomicChecks).toBeGreaterThan(30);
    expect(result.globalChecks).toBeGreaterThan(3);
    expect(result.errors).toEqual([]);
  });

  it('has no inline eng-disable comments: every exception is reviewed in the suppressions file', async () => {
    const offenders: string[] = [];
    for (const file of await listFiles(scanned)) {
      if ((await readFile(file, 'utf8')).includes('eng-disable')) offenders.push(relative(scanned, file));
    }
    expect(offenders).toEqual([]);
  });

  it('reports no finding that has not been reviewed', () => {
    const unreviewed = result.findings.filter((f) => !suppressionsFile.suppressions.some((s) => matches(s, f)));
    expect(
      unreviewed.map((f) => `${f.rule} ${f.file}:${f.line} \`${f.text}\` — ${f.message}`),
      'Fix these, or add a suppression with an honest reason to electronegativity-suppressions.json',
    ).toEqual([]);
  });

  it('has no stale suppressions', () => {
    const stale = suppressionsFile.suppressions.filter((s) => !result.findings.some((f) => matches(s, f)));
    expect(
      stale.map((s) => `${s.rule} ${s.file} ${s.snippet ?? s.line}`),
      'These suppressions match no finding any more: remove them',
    ).toEqual([]);
  });

  it('still sees the navigation guards and the permission handler (else it would report them missing)', () => {
    const rules = new Set(result.findings.map((f) => f.rule));
    expect(rules.has('LIMIT_NAVIGATION_GLOBAL_CHECK')).toBe(false);
    expect(rules.has('PERMISSION_REQUEST_HANDLER_GLOBAL_CHECK')).toBe(false);
  });
});

describe('Electronegativity positive control', () => {
  it('flags an insecure window written in TypeScript, so a clean scan means something', async () => {
    const dir = join(work, 'control');
    await mkdir(join(dir, 'src'), { recursive: true });
    await writeFile(join(dir, 'package.json'), JSON.stringify({ devDependencies: { electron: electronVersion } }));
    await writeFile(
      join(dir, 'src', 'insecure.ts'),
      [
        "import { BrowserWindow, shell, type WebContents } from 'electron';",
        'interface Options { url?: string }',
        'export function open(options: Options, contents: WebContents): void {',
        '  const win = new BrowserWindow({',
        '    webPreferences: { nodeIntegration: true, contextIsolation: false, webSecurity: false },',
        '  });',
        "  void win.loadURL(options.url ?? 'https://example.com' satisfies string);",
        "  contents.on('new-window', (_e: unknown, url: string) => void shell.openExternal(url));",
        '}',
      ].join('\n'),
    );
    const control = await scan(dir, dir);
    expect(control.errors).toEqual([]);
    const rules = new Set(control.findings.map((f) => f.rule));
    for (const rule of [
      'NODE_INTEGRATION_JS_CHECK',
      'CONTEXT_ISOLATION_JS_CHECK',
      'SANDBOX_JS_CHECK',
      'WEB_SECURITY_JS_CHECK',
      'OPEN_EXTERNAL_JS_CHECK',
      'PERMISSION_REQUEST_HANDLER_GLOBAL_CHECK',
    ]) {
      expect(rules, rule).toContain(rule);
    }
  }, 120_000);
});
