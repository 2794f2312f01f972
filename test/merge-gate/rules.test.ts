import { describe, expect, it } from '@jest/globals';
import { foldLedger } from '../../src/ledger/fold.js';
import { encodeEntries } from '../../src/ledger/codec.js';
import type { LedgerEntry } from '../../src/ledger/entries.js';
import { fencingOf } from '../../src/merge-gate/fencing.js';
import { coverageDescription, parseCoverageDescription } from '../../src/merge-gate/gate.js';
import { judge, type GateEvidence, type GateRules } from '../../src/merge-gate/rules.js';
import { claim } from '../support/gate.js';

const RULES: GateRules = {
  branchPrefix: 'ai-feature/',
  coverageThreshold: 70,
  maxCoverageDrop: 0.5,
  patchCoverageThreshold: 80,
  protectedPaths: ['.github/**'],
  maxFiles: 10,
  maxChangedLines: 100,
  reviewLabels: ['priority:critical'],
};

const lines = (covered: number, total: number) => ({
  covered,
  total,
  percent: total === 0 ? null : (covered / total) * 100,
});

function evidence(changes: Partial<GateEvidence> = {}): GateEvidence {
  return {
    origin: {
      sameRepository: true,
      branch: 'ai-feature/issue-1',
      author: 'github-actions',
      byToolkit: true,
    },
    fencing: { kind: 'current', claim: 'c1', epoch: 1, how: 'effective' },
    draft: false,
    checks: [{ name: 'test', state: 'success', required: true }],
    coverage: {
      reports: 1,
      expected: 0,
      totals: { lines: lines(80, 100) },
      patch: { ...lines(9, 10), files: [] },
      base: { percent: 80.2, source: 'base' },
    },
    files: [{ path: 'src/cart.js', additions: 3, deletions: 1 }],
    filesComplete: true,
    labels: [],
    approvals: [],
    mergeable: 'MERGEABLE',
    mergeState: 'CLEAN',
    ...changes,
  };
}

const outcome = (result: ReturnType<typeof judge>, id: string) =>
  result.rules.find((rule) => rule.id === id);

describe('judge', () => {
  it('merges when every rule passes, and reports a figure for each', () => {
    const result = judge(evidence(), RULES);
    expect(result.verdict).toBe('merge');
    expect(result.reasons).toEqual([]);
    expect(outcome(result, 'coverage')?.figure).toBe('80.0% (80/100 lines) ≥ 70%');
    expect(outcome(result, 'coverage-drop')?.figure).toBe(
      '-0.20 points against 80.2% (base); allowed drop 0.5',
    );
    expect(outcome(result, 'patch-coverage')?.figure).toBe('90.0% (9/10 changed lines) ≥ 80%');
    expect(outcome(result, 'size')?.figure).toBe('1 files (limit 10), 4 changed lines (limit 100)');
  });

  it.each([
    [
      'a fork',
      {
        origin: {
          sameRepository: false,
          branch: 'ai-feature/issue-1',
          author: 'x',
          byToolkit: true,
        },
      },
      'origin',
      'the head is in a fork',
    ],
    [
      'another branch',
      { origin: { sameRepository: true, branch: 'main-copy', author: 'x', byToolkit: true } },
      'origin',
      'is not ai-feature/*',
    ],
    [
      'someone else',
      {
        origin: {
          sameRepository: true,
          branch: 'ai-feature/issue-1',
          author: 'mallory',
          byToolkit: false,
        },
      },
      'origin',
      'opened by mallory',
    ],
    [
      'a stale claim',
      { fencing: { kind: 'stale', claim: 'c1', epoch: 1, why: 'the ledger is at epoch 2 for #1' } },
      'fencing',
      'epoch 2',
    ],
    ['no claim marker', { fencing: { kind: 'unmarked' } }, 'fencing', 'no AI-Scrum-Claim'],
    [
      'a failing required check',
      { checks: [{ name: 'test', state: 'failure', required: true }] },
      'checks',
      'failing: test',
    ],
    [
      'a protected path',
      { files: [{ path: '.github/workflows/ci.yml', additions: 1, deletions: 0 }] },
      'protected-paths',
      '.github/workflows/ci.yml',
    ],
    [
      'too many lines',
      { files: [{ path: 'a.js', additions: 90, deletions: 20 }] },
      'size',
      '110 changed lines',
    ],
    ['a conflict', { mergeable: 'CONFLICTING' }, 'mergeable', 'handed back to a worker'],
  ] as const)('blocks %s', (_name, change, rule, figure) => {
    const result = judge(evidence(change as Partial<GateEvidence>), RULES);
    expect(result.verdict).toBe('block');
    expect(outcome(result, rule)).toMatchObject({
      outcome: 'fail',
      figure: expect.stringContaining(figure),
    });
    expect(result.reasons.join('\n')).toContain(figure);
  });

  it.each([
    [
      'low total coverage',
      { totals: { lines: lines(60, 100) } },
      'coverage',
      '60.0% (60/100 lines) < 70%',
    ],
    [
      'a drop beyond the allowed',
      { base: { percent: 81, source: 'main' } },
      'coverage-drop',
      '-1.00 points',
    ],
    [
      'low patch coverage',
      { patch: { ...lines(1, 4), files: [] } },
      'patch-coverage',
      '25.0% (1/4 changed lines) < 80%',
    ],
    ['an empty report', { totals: { lines: lines(0, 0) } }, 'coverage', 'no executable lines'],
    ['no report where one is needed', { reports: 0 }, 'coverage', 'no coverage report found'],
  ] as const)('blocks %s', (_name, change, rule, figure) => {
    const base = evidence().coverage!;
    const result = judge(
      evidence({ coverage: { ...base, ...change } as GateEvidence['coverage'] }),
      RULES,
    );
    expect(result.verdict).toBe('block');
    expect(outcome(result, rule)).toMatchObject({
      outcome: 'fail',
      figure: expect.stringContaining(figure),
    });
  });

  it.each([
    ['a draft', { draft: true }, 'draft'],
    [
      'a pending check',
      { checks: [{ name: 'lint', state: 'pending', required: false }] },
      'checks',
    ],
    ['no check at all on a pull request GitHub does not block', { checks: [] }, 'checks'],
    ['mergeability still computing', { mergeable: 'UNKNOWN' }, 'mergeable'],
    ['a branch behind its base', { mergeState: 'BEHIND' }, 'mergeable'],
    ['a label that asks for a human', { labels: ['priority:critical'] }, 'human-review'],
  ] as const)('waits for %s', (_name, change, rule) => {
    const result = judge(evidence(change as Partial<GateEvidence>), RULES);
    expect(result.verdict).toBe('wait');
    expect(outcome(result, rule)?.outcome).toBe('wait');
  });

  it('protects a folder named without a glob, and its files', () => {
    const rules = { ...RULES, protectedPaths: ['infra', 'CODEOWNERS'] };
    const touched = (path: string) =>
      judge(evidence({ files: [{ path, additions: 1, deletions: 0 }] }), rules).rules.find(
        (rule) => rule.id === 'protected-paths',
      )?.outcome;
    expect(touched('infra/main.tf')).toBe('fail');
    expect(touched('infra')).toBe('fail');
    expect(touched('CODEOWNERS')).toBe('fail');
    expect(touched('src/infra.ts')).toBe('pass');
  });

  it('never judges a partial set of reports: it waits for all the workflow declared', () => {
    const base = evidence().coverage!;
    const result = judge(evidence({ coverage: { ...base, reports: 2, expected: 3 } }), RULES);
    expect(result.verdict).toBe('wait');
    expect(outcome(result, 'coverage')?.figure).toBe('2 of 3 reports arrived');
    expect(outcome(result, 'patch-coverage')?.outcome).toBe('wait');
  });

  it('lets GitHub hold the merge on required checks that have not reported, and approves with a reviewer', () => {
    expect(
      judge(
        evidence({
          checks: [{ name: 'test', state: 'pending', required: true }],
          mergeState: 'BLOCKED',
        }),
        RULES,
      ).verdict,
    ).toBe('merge');
    // No check at all is no evidence, whatever GitHub's state.
    expect(judge(evidence({ checks: [], mergeState: 'BLOCKED' }), RULES).verdict).toBe('wait');
    const reviewed = judge(evidence({ labels: ['priority:critical'], approvals: ['bob'] }), RULES);
    expect(reviewed.verdict).toBe('merge');
    expect(outcome(reviewed, 'human-review')?.figure).toContain('approved by bob');
  });

  it('skips what it cannot know and says so', () => {
    const base = evidence().coverage!;
    const unknown = judge(evidence({ coverage: { ...base, base: null } }), RULES);
    expect(outcome(unknown, 'coverage-drop')).toMatchObject({
      outcome: 'skip',
      figure: expect.stringContaining('base coverage unknown'),
    });
    const none = judge(evidence({ coverage: null }), RULES);
    expect(none.rules.filter((rule) => rule.outcome === 'skip').map((rule) => rule.id)).toEqual(
      expect.arrayContaining(['coverage', 'coverage-drop', 'patch-coverage']),
    );
  });
});

describe('fencingOf', () => {
  const state = (...groups: LedgerEntry[][]) =>
    foldLedger(
      groups.map((entries, i) => ({
        id: i + 1,
        author: { login: 'github-actions', bot: true },
        createdAt: '2026-11-20T00:00:00Z',
        body: encodeEntries(entries),
      })),
      () => true,
    );
  const now = new Date('2026-11-25T00:00:00Z');
  const mark = { claim: 'r100-1-e1', epoch: 1 };

  it('accepts the effective claim, and the one that completed the issue', () => {
    expect(fencingOf({ body: mark, head: mark }, state([claim(1, 1)]), 1, now)).toMatchObject({
      kind: 'current',
      how: 'effective',
    });
    const released = state(
      [claim(1, 1)],
      [
        {
          type: 'release',
          issue: 1,
          claim: 'r100-1-e1',
          outcome: 'pr-opened',
          costUsd: 1.5,
          pr: 5,
          at: '2026-11-21T00:00:00Z',
        },
      ],
    );
    expect(fencingOf({ body: mark, head: mark }, released, 1, now)).toMatchObject({
      kind: 'current',
      how: 'completing',
    });
  });

  it('refuses a superseded, expired, failed, missing or disagreeing claim', () => {
    const superseded = state([claim(1, 1)], [claim(1, 2)]);
    expect(fencingOf({ body: mark, head: mark }, superseded, 1, now)).toMatchObject({
      kind: 'stale',
      why: 'the ledger is at epoch 2 for #1',
    });
    const expired = state([{ ...claim(1, 1), lease: '2026-11-22T00:00:00Z' } as LedgerEntry]);
    expect(fencingOf({ body: mark, head: mark }, expired, 1, now)).toMatchObject({
      kind: 'stale',
      why: expect.stringContaining('lease ended'),
    });
    const failed = state(
      [claim(1, 1)],
      [
        {
          type: 'release',
          issue: 1,
          claim: 'r100-1-e1',
          outcome: 'failed',
          costUsd: 0,
          at: '2026-11-21T00:00:00Z',
        },
      ],
    );
    expect(fencingOf({ body: mark, head: mark }, failed, 1, now)).toMatchObject({
      kind: 'stale',
      why: 'it was released as failed',
    });
    expect(fencingOf({ body: mark, head: mark }, state(), 1, now)).toMatchObject({
      kind: 'stale',
      why: 'the ledger has no claim on #1',
    });
    expect(
      fencingOf({ body: { claim: 'forged', epoch: 1 }, head: mark }, state([claim(1, 1)]), 1, now),
    ).toMatchObject({ kind: 'stale' });
    expect(fencingOf({ body: null, head: null }, state([claim(1, 1)]), 1, now)).toEqual({
      kind: 'unmarked',
    });
  });
});

describe('coverage status', () => {
  it('writes a description a later delta reads back, and rejects anything else', () => {
    const text = coverageDescription({ lines: lines(1234, 1483) });
    expect(text).toBe('83.21% of lines (1234/1483)');
    expect(parseCoverageDescription(text)).toBe(83.21);
    expect(parseCoverageDescription('lots')).toBeNull();
    expect(parseCoverageDescription('250% of lines (1/1)')).toBeNull();
    expect(parseCoverageDescription(null)).toBeNull();
  });
});
