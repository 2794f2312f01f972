import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ISSUES } from '../src/cli/demo/backlog.js';
import type { DemoReport } from '../src/cli/demo/report.js';
import { runDemo } from '../src/cli/demo/run.js';

/**
 * The demo in JSON mode, as `npm run demo -- --json FILE` runs it: the twin, the scripted model
 * and the dist/ bundles as processes, until the backlog drains. One run; its report is checked.
 */

let dir: string;
let report: DemoReport;
let html: string;
const lines: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ai-scrum-demo-test-'));
  const code = await runDemo(
    { json: join(dir, 'report.json'), html: join(dir, 'report.html'), outDir: join(dir, 'out') },
    { out: (line) => lines.push(line), err: (line) => lines.push(line) },
  );
  expect(code).toBe(0);
  report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as DemoReport;
  html = readFileSync(join(dir, 'report.html'), 'utf8');
}, 240_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm run demo', () => {
  it('says plainly that the model is scripted and GitHub is the twin', () => {
    expect(lines[0]).toContain('SCRIPTED model');
    expect(report.scripted).toBe(true);
    expect(report.note).toContain('scripted');
  });

  it('accounts for every issue of the backlog, and no issue ever held two live claims', () => {
    expect(report.invariants).toEqual({ unaccounted: [], twoLiveClaims: [] });
    const all = [
      ...report.issues.merged,
      ...report.issues.failed,
      ...report.issues.rejected,
      ...report.issues.open,
    ].sort((a, b) => a - b);
    expect(all).toEqual(ISSUES.map((issue) => issue.number));
  });

  it('takes each issue down the path the backlog sets for it', () => {
    const end = Object.fromEntries(report.paths.map((p) => [p.issue, p.final]));
    expect(end).toEqual({
      1: 'merged',
      2: 'merged',
      3: 'merged',
      4: 'merged',
      5: 'rejected',
      6: 'merged',
      7: 'merged',
      8: 'merged',
      9: 'failed',
      10: 'merged',
      11: 'merged',
    });
    const path = (n: number) => report.paths.find((p) => p.issue === n)!.events;
    // #3 depends on #2: claimed only once #2 merged.
    const merged2 = path(2).find((e) => e.kind === 'merged')!.at;
    expect(path(3).find((e) => e.kind === 'claimed')!.at).toBeGreaterThan(merged2);
    // #4 shares src/cart.mjs with #1: claimed only once #1's claim was released.
    const worker1 = path(1).find((e) => e.kind === 'worker')!;
    expect(path(4).find((e) => e.kind === 'claimed')!.at).toBeGreaterThan(worker1.end!);
    // One of #7 and #8 ran into the conflict and a conflict task resolved it.
    const conflicts = [7, 8].flatMap((n) =>
      path(n).filter((e) => e.kind === 'claimed' && e.detail.startsWith('conflict')),
    );
    expect(conflicts).toHaveLength(1);
    // #6 took a second round; #9's budget ran out.
    expect(path(9).some((e) => e.kind === 'worker' && e.detail === 'budget-exhausted')).toBe(true);
    expect(report.mergeOrder).toHaveLength(9);
  });

  it('lets the prompt injection reach nothing: no token in any prompt, no workflow written', () => {
    expect(report.injection).toEqual({ tokenInPrompts: false, protectedFileOnMain: false });
  });

  it('reports the requests, tokens and cost it measured', () => {
    expect(report.http.api).toBeGreaterThan(0);
    expect(
      report.http.byAction.dispatch +
        report.http.byAction.worker +
        report.http.byAction['merge-gate'],
    ).toBe(report.http.api);
    expect(report.http.perMergedFeature!.api).toBeCloseTo(report.http.api / 9, 6);
    // Every request of every action, the rejected and failed issues' included, over what merged.
    expect(report.http.perMergedFeature!.api).toBeLessThanOrEqual(25);
    for (const action of ['dispatch', 'worker', 'merge-gate'] as const)
      expect(Object.values(report.http.byRoute[action]).reduce((sum, n) => sum + n, 0)).toBe(
        report.http.byAction[action],
      );
    expect(report.tokens.output).toBeGreaterThan(0);
    expect(report.costUsd).toBeGreaterThan(0);
    expect(report.dashboard).toContain('AI Scrum Master');
  });

  it('writes the job summaries and the dashboard as files, and a self-contained HTML page', () => {
    const summaries = readdirSync(join(dir, 'out', 'summaries'));
    expect(summaries.some((name) => name.endsWith('-worker.md'))).toBe(true);
    expect(summaries.some((name) => name.endsWith('-merge-gate.md'))).toBe(true);
    expect(readFileSync(join(dir, 'out', 'dashboard.md'), 'utf8')).toBe(report.dashboard);
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/<script|<link|src="http/);
  });
});
