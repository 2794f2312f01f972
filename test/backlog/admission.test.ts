import { describe, expect, it } from '@jest/globals';
import {
  attemptEstimate,
  DEFAULT_ATTEMPT_ESTIMATE_USD,
  percentile,
} from '../../src/backlog/admission.js';
import { RepositoryTree } from '../../src/backlog/footprint.js';
import type { BacklogIssue, IssueDetails } from '../../src/backlog/issue.js';
import {
  describeSkip,
  planDispatch,
  type PlanInput,
  type PlanSettings,
} from '../../src/backlog/plan.js';
import { encodeEntries } from '../../src/ledger/codec.js';
import type { LedgerEntry } from '../../src/ledger/entries.js';
import { foldLedger } from '../../src/ledger/fold.js';
import { identityOf } from '../../src/ledger/identity.js';

const alice = identityOf('alice');
const bot = identityOf('github-actions[bot]');
const now = new Date('2026-11-26T11:00:00Z');

const settings: PlanSettings = {
  maxWorkers: 50,
  maxAttempts: 3,
  dailyBudgetUsd: 100,
  issueBudgetUsd: 5,
  forcedIssues: [],
  labels: {
    ready: 'ai-ready',
    completed: 'ai-completed',
    failed: 'ai-failed',
    conflict: 'ai-conflict',
  },
  priorityOrder: [],
  complexityOrder: ['complexity:small', 'complexity:large'],
  fallbackFootprint: ['**'],
  protectedPaths: ['.github/**'],
};

const issue = (number: number, body: string, labels: string[] = []): BacklogIssue => ({
  number,
  title: `Issue ${number}`,
  body,
  author: 'alice',
  createdAt: new Date(Date.UTC(2026, 0, 1) + number * 60_000).toISOString(),
  labels: ['ai-ready', ...labels],
  openNativeBlockers: 0,
  openSubIssues: 0,
});

const ledgerOf = (entries: LedgerEntry[]) =>
  foldLedger(
    entries.length > 0 ? [{ id: 1, author: bot, body: encodeEntries(entries), createdAt: '' }] : [],
    () => true,
  );

let claims = 0;
const attempt = (issue: number, usd: number, complexity?: string): LedgerEntry[] => {
  const claim = `c${++claims}`;
  return [
    {
      type: 'claim',
      issue,
      claim,
      epoch: claims,
      kind: 'issue',
      files: [],
      run: 1,
      lease: '2026-11-26T10:00:00Z',
      at: '2026-11-26T09:00:00Z',
      ...(complexity ? { complexity } : {}),
    },
    { type: 'release', issue, claim, outcome: 'failed', costUsd: usd, at: '2026-11-25T09:00:00Z' },
  ];
};

function input(backlog: BacklogIssue[], extra: Partial<PlanInput> = {}): PlanInput {
  return {
    backlog,
    conflicts: [],
    ledger: ledgerOf([]),
    now,
    tree: new RepositoryTree(['README.md', '.github/workflows/ci.yml', 'src/a.ts', 'src/b.ts']),
    details: new Map(backlog.map((i) => [i.number, details()])),
    permission: () => 'admin',
    trusted: () => false,
    referenced: new Map(),
    ...extra,
  };
}
const details = (): IssueDetails => ({
  readyLabel: { actor: alice, at: '2026-01-01T00:00:00Z' },
  edits: [],
  parent: null,
});

describe('the cost estimate of an attempt', () => {
  it('is the 80th percentile of released attempts of the same complexity', () => {
    expect(percentile([5, 1, 2, 3, 4], 0.8)).toBe(4);
    const costs = [1, 2, 3, 4, 10].map((usd) => ({ complexity: 'complexity:large', usd }));
    expect(attemptEstimate([...costs, { complexity: null, usd: 0.1 }], 'complexity:large')).toEqual(
      {
        usd: 4,
        basis: 'complexity',
        samples: 5,
      },
    );
  });

  it('falls back to all attempts, then to the documented default', () => {
    expect(attemptEstimate([{ complexity: null, usd: 2 }], 'complexity:small')).toEqual({
      usd: 2,
      basis: 'all',
      samples: 1,
    });
    expect(attemptEstimate([], null)).toEqual({
      usd: DEFAULT_ATTEMPT_ESTIMATE_USD,
      basis: 'default',
      samples: 0,
    });
  });

  it('learns from the complexity label an issue had when it was claimed', () => {
    const ledger = ledgerOf([...attempt(1, 3, 'complexity:large'), ...attempt(2, 0.2)]);
    expect(ledger.costs).toEqual([
      { complexity: 'complexity:large', usd: 3 },
      { complexity: null, usd: 0.2 },
    ]);
  });
});

describe('admission', () => {
  it('admits an attempt only when the issue’s budget left covers its estimate', () => {
    const ledger = ledgerOf([
      ...attempt(1, 4, 'complexity:large'),
      ...attempt(9, 4, 'complexity:large'),
    ]);
    const plan = planDispatch(
      input(
        [
          issue(1, '`src/a.ts`', ['complexity:large']),
          issue(2, '`src/b.ts`', ['complexity:large']),
        ],
        {
          ledger,
        },
      ),
      settings,
    );
    expect(plan.picked.map((p) => [p.issue, p.estimate.usd])).toEqual([[2, 4]]);
    expect(describeSkip(plan.skipped[0]!.reason)).toBe(
      'issue budget left ($1.00) does not cover the estimate ($4.00)',
    );
  });

  it('admits the batch only while the day’s budget left covers the sum of its estimates', () => {
    // Two attempts cost $2 each yesterday: each new one is estimated at $2.
    const ledger = ledgerOf([...attempt(99, 2), ...attempt(98, 2)]);
    const tree = new RepositoryTree(['f1.ts', 'f2.ts', 'f3.ts', 'f4.ts']);
    const backlog = [1, 2, 3, 4].map((n) => issue(n, `\`f${n}.ts\``));
    const roomy = planDispatch(input(backlog, { ledger, tree }), {
      ...settings,
      dailyBudgetUsd: 9,
    });
    expect(roomy.dayLeftUsd).toBe(9);
    expect(roomy.picked).toHaveLength(4);
    const tight = planDispatch(input(backlog, { ledger, tree }), {
      ...settings,
      dailyBudgetUsd: 5,
    });
    expect(tight.picked.map((p) => p.issue)).toEqual([1, 2]);
    expect(describeSkip(tight.skipped[0]!.reason)).toBe(
      'daily budget left ($1.00) does not cover the estimate ($2.00)',
    );
  });

  it('leaves an issue that names a protected path to people, and spends no lookup on it', () => {
    const plan = planDispatch(
      input([issue(1, 'Fix `.github/workflows/ci.yml`'), issue(2, 'No file named here.')], {
        details: new Map(),
      }),
      settings,
    );
    expect(describeSkip(plan.skipped.find((s) => s.issue === 1)!.reason)).toBe(
      'touches the protected path `.github/workflows/ci.yml`: a human must do it',
    );
    expect(plan.needs.details).toEqual([2]);
  });
});

describe('no starvation', () => {
  it('fills its capacity past 300 issues that name no file while the tree is busy, looking up none of them', () => {
    const files = Array.from({ length: 5000 }, (_, i) => `src/f${i}.ts`);
    const tree = new RepositoryTree(files);
    const backlog = Array.from({ length: 5000 }, (_, i) =>
      issue(i + 1, i < 300 ? 'Make it faster.' : `Change \`src/f${i}.ts\`.`),
    );
    // One active claim holds a file: the fallback `**` of the first 300 meets it.
    const ledger = ledgerOf([
      {
        type: 'claim',
        issue: 9999,
        claim: 'held',
        epoch: 1,
        kind: 'issue',
        files: ['src/f0.ts'],
        run: 1,
        lease: '2026-11-26T12:00:00Z',
        at: '2026-11-26T10:00:00Z',
      },
    ]);
    const known = new Map<number, IssueDetails>();
    const plan = () => planDispatch(input(backlog, { ledger, tree, details: known }), settings);
    let result = plan();
    expect(describeSkip(result.skipped[0]!.reason)).toBe(
      'names no file; runs alone under the fallback `**`',
    );
    // Dispatch's lookup rounds: details only for what the plan asks.
    let looked = 0;
    for (let round = 0; round < 4 && result.needs.details.length > 0; round++) {
      for (const n of result.needs.details) known.set(n, details());
      looked += result.needs.details.length;
      result = plan();
    }
    expect(result.picked).toHaveLength(49);
    expect(result.picked.every((p) => p.issue > 300)).toBe(true);
    expect([...known.keys()].every((n) => n > 300)).toBe(true);
    expect(looked).toBeLessThan(100);
  });
});
