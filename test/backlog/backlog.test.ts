import { describe, expect, it } from '@jest/globals';
import {
  coarsen,
  estimateFootprint,
  namedPaths,
  RepositoryTree,
} from '../../src/backlog/footprint.js';
import {
  textualDependencies,
  type BacklogIssue,
  type IssueDetails,
  type Permission,
} from '../../src/backlog/issue.js';
import {
  planDispatch,
  queueOrder,
  describeSkip,
  type ConflictPull,
  type PlanInput,
  type PlanSettings,
} from '../../src/backlog/plan.js';
import { encodeEntries } from '../../src/ledger/codec.js';
import { foldLedger } from '../../src/ledger/fold.js';
import { sameIdentity, type Identity } from '../../src/ledger/identity.js';

const tree = () =>
  new RepositoryTree([
    'README.md',
    'src/cart.ts',
    'src/tax.ts',
    'src/ui/button.tsx',
    'docs/guide.md',
    'package.json',
  ]);

describe('footprints', () => {
  it('reads backticks, a Files: section and paths in the text', () => {
    const { explicit, mentioned } = namedPaths(
      'Touch `src/cart.ts` and `src/**/*.ts`.\n\nFiles:\n- docs/guide.md\n- `README.md`\n\nSee src/tax.ts. Call `calculateTax`.',
    );
    expect(explicit).toEqual(['src/cart.ts', 'src/**/*.ts', 'README.md', 'docs/guide.md']);
    expect(mentioned).toContain('src/tax.ts');
    expect(explicit).not.toContain('calculateTax');
  });

  it('checks names against the tree and keeps new files in existing folders', () => {
    const t = tree();
    expect(
      estimateFootprint('Tax', 'Edit `src/tax.ts`, add `src/vat.ts`, not `nowhere/x.ts`', t, [
        '**',
      ]),
    ).toMatchObject({
      entries: ['src/tax.ts', 'src/vat.ts'],
      source: 'explicit',
      hiddenTextIgnored: false,
    });
    expect(estimateFootprint('Button', 'The `button.tsx` looks off', t, ['**'])).toMatchObject({
      entries: ['src/ui/button.tsx'],
      source: 'names',
      hiddenTextIgnored: false,
    });
    expect(estimateFootprint('All ts', 'Rename in `src/**/*.ts`', t, ['**']).entries).toEqual([
      'src/**/*.ts',
    ]);
  });

  it('falls back to the coarse footprint when nothing is named', () => {
    expect(
      estimateFootprint('Make it faster', 'Everything is slow', tree(), ['src/**']),
    ).toMatchObject({
      entries: ['src/**'],
      source: 'fallback',
      hiddenTextIgnored: false,
    });
  });

  it('reads at most 64 KiB of a hostile body', () => {
    const body = `${'`a/b.ts` '.repeat(20_000)}\`src/cart.ts\``;
    expect(estimateFootprint('x', body, tree(), ['**']).source).toBe('fallback');
  });

  it('counts only what a reader of the issue sees, and says when hidden text named files', () => {
    const t = tree();
    const footprint = (body: string) => estimateFootprint('Totals', body, t, ['**']);
    expect(footprint('Fix `src/cart.ts`.\n<!-- and `src/tax.ts`, README.md -->')).toMatchObject({
      entries: ['src/cart.ts'],
      source: 'explicit',
      hiddenTextIgnored: true,
    });
    expect(footprint('<img alt="see src/tax.ts" src="x.png"> in `src/cart.ts`').entries).toEqual([
      'src/cart.ts',
    ]);
    expect(footprint('`src/cart.ts`\n\n[ref]: src/tax.ts').entries).toEqual(['src/cart.ts']);
    // Only hidden text names files: the issue names none, so the fallback applies.
    expect(footprint('Make it right <!--\n`src/**`\n-->')).toMatchObject({
      entries: ['**'],
      source: 'fallback',
      hiddenTextIgnored: true,
    });
    // GitHub drops `hidden` and `style`, so this text is on screen and counts.
    expect(
      footprint('<span hidden>`src/tax.ts`</span> <p style="display:none">src/cart.ts</p>'),
    ).toMatchObject({
      entries: ['src/cart.ts', 'src/tax.ts'],
      source: 'explicit',
      hiddenTextIgnored: false,
    });
  });

  it('does not flag hidden text that changes nothing, and reads through invisible characters', () => {
    const t = tree();
    const template = '<!-- Describe the bug, and name src/cart.ts -->\nRound `src/cart.ts`.';
    expect(estimateFootprint('Rounding', template, t, ['**'])).toMatchObject({
      entries: ['src/cart.ts'],
      source: 'explicit',
      hiddenTextIgnored: false,
    });
    const screenshot =
      '<img width="300" alt="image" src="https://github.com/user-attachments/a.png">';
    expect(estimateFootprint('Tax', `${screenshot} \`src/tax.ts\``, t, ['**'])).toMatchObject({
      entries: ['src/tax.ts'],
      source: 'explicit',
      hiddenTextIgnored: false,
    });
    // A zero-width space and a bidi mark inside a path do not make it another path.
    expect(
      estimateFootprint('Ta\u200Bx', 'Edit `src/ca\u200Brt.ts` and src/\u200Etax.ts.', t, ['**'])
        .entries,
    ).toEqual(['src/cart.ts', 'src/tax.ts']);
  });

  it('expands a glob once, against the tree and planned files', () => {
    const t = tree();
    expect(t.expand('src/**')).toEqual(['src/cart.ts', 'src/tax.ts', 'src/ui/button.tsx']);
    t.addPlanned(['src/new.ts', 'lib/**']);
    expect(t.expand('src/*.ts')).toEqual(['src/cart.ts', 'src/tax.ts', 'src/new.ts']);
    expect(t.has('lib/**')).toBe(false);
  });
});

it('reads textual dependencies', () => {
  expect(
    textualDependencies(
      'Depends on #12. Blocked by #3 and #4, also blocked by: #5, #6 & #7. Fixes #9',
    ),
  ).toEqual([3, 4, 5, 6, 7, 12]);
});

const alice: Identity = { login: 'alice', bot: false };
const mallory: Identity = { login: 'mallory', bot: false };
const bot: Identity = { login: 'github-actions', bot: true };
const permissions: Record<string, Permission> = { alice: 'admin', mallory: 'read', bob: 'write' };

const settings: PlanSettings = {
  maxWorkers: 3,
  maxAttempts: 2,
  dailyBudgetUsd: 10,
  issueBudgetUsd: 2,
  forcedIssues: [],
  labels: {
    ready: 'ai-ready',
    completed: 'ai-completed',
    failed: 'ai-failed',
    conflict: 'ai-conflict',
    coordination: 'ai-coordination',
  },
  priorityOrder: ['priority:critical', 'priority:high', 'priority:medium', 'priority:low'],
  complexityOrder: ['complexity:small', 'complexity:large'],
  fallbackFootprint: ['**'],
  protectedPaths: ['.github/**'],
};

let created = 0;
function issue(
  number: number,
  body: string,
  labels: string[] = [],
  extra: Partial<BacklogIssue> = {},
): BacklogIssue {
  return {
    number,
    title: `Issue ${number}`,
    body,
    author: 'alice',
    createdAt: `2026-11-${String(10 + (created++ % 10)).padStart(2, '0')}T00:00:00Z`,
    labels: ['ai-ready', ...labels],
    openNativeBlockers: 0,
    openSubIssues: 0,
    ...extra,
  };
}

const labelledBy = (who: Identity, at = '2026-11-20T00:00:00Z'): IssueDetails => ({
  readyLabel: { actor: who, at },
  edits: [],
  parent: null,
});

function input(backlog: BacklogIssue[], extra: Partial<PlanInput> = {}): PlanInput {
  return {
    backlog,
    conflicts: [],
    ledger: foldLedger([], () => false),
    now: new Date('2026-11-26T11:00:00Z'),
    tree: tree(),
    details: new Map(backlog.map((i) => [i.number, labelledBy(alice)])),
    permission: (who) => permissions[who.login],
    trusted: (who) => sameIdentity(who, bot),
    referenced: new Map(),
    ...extra,
  };
}

/** A pull request the toolkit opened in this repository, labelled by a maintainer. */
const conflictPull = (extra: Partial<ConflictPull> & { pull: number; issue: number }) => ({
  title: 'Add tax',
  author: bot,
  fromFork: false,
  labelledBy: alice,
  ...extra,
});

const reasons = (plan: ReturnType<typeof planDispatch>) =>
  Object.fromEntries(plan.skipped.map((s) => [s.issue, describeSkip(s.reason)]));

describe('planning a batch', () => {
  it('orders by priority, then smaller complexity, then age, forced issues first', () => {
    const backlog = [
      issue(1, 'a', []),
      issue(2, 'b', ['priority:low']),
      issue(3, 'c', ['priority:critical', 'complexity:large']),
      issue(4, 'd', ['priority:critical', 'complexity:small']),
      issue(5, 'e', ['priority:high']),
    ];
    expect(queueOrder(backlog, settings).map((i) => i.number)).toEqual([4, 3, 5, 2, 1]);
    expect(queueOrder(backlog, { ...settings, forcedIssues: [1] }).map((i) => i.number)).toEqual([
      1, 4, 3, 5, 2,
    ]);
  });

  it('picks a conflict-free batch and says why each other issue was not picked', () => {
    const backlog = [
      issue(1, 'Edit `src/cart.ts`', ['priority:critical']),
      issue(2, 'Also `src/cart.ts`', ['priority:high']),
      issue(3, 'Depends on #1. `src/tax.ts`'),
      issue(4, '`README.md`', [], { openNativeBlockers: 2 }),
      issue(5, '`docs/guide.md`', [], { openSubIssues: 1 }),
      issue(6, '`package.json`', ['ai-completed']),
      issue(7, '`src/ui/button.tsx`'),
      issue(8, '`docs/guide.md`'),
      issue(9, '`README.md`'),
      issue(10, '`README.md`', ['ai-coordination']),
    ];
    const plan = planDispatch(input(backlog), settings);
    expect(plan.picked.map((p) => [p.issue, p.epoch, p.footprint.entries])).toEqual([
      [1, 1, ['src/cart.ts']],
      [7, 1, ['src/ui/button.tsx']],
      [8, 1, ['docs/guide.md']],
    ]);
    expect(reasons(plan)).toEqual({
      2: 'conflicts with #1 on `src/cart.ts`',
      3: 'blocked by #1',
      4: 'blocked by 2 open issues (native dependency)',
      5: 'waits for 1 open sub-issue',
      6: 'labelled ai-completed',
      9: 'no capacity',
      10: 'the tracking issue is never work',
    });
    expect(plan.needs).toEqual({ details: [], permissions: [], references: [] });
  });

  it('skips issues labelled or edited by someone without write access', () => {
    const backlog = [
      issue(1, '`src/cart.ts`'),
      issue(2, '`src/tax.ts`'),
      issue(3, '`README.md`'),
      issue(4, '`docs/guide.md`'),
    ];
    const details = new Map<number, IssueDetails>([
      [1, labelledBy(mallory)],
      [
        2,
        {
          ...labelledBy(alice),
          edits: [{ actor: mallory, at: '2026-11-21T00:00:00Z', what: 'body' }],
        },
      ],
      [
        3,
        {
          ...labelledBy(alice),
          edits: [{ actor: mallory, at: '2026-11-19T00:00:00Z', what: 'title' }],
        },
      ],
      [4, { readyLabel: null, edits: [], parent: null }],
    ]);
    const plan = planDispatch(input(backlog, { details }), settings);
    expect(plan.picked.map((p) => p.issue)).toEqual([3]);
    expect(reasons(plan)).toEqual({
      1: 'not authorised: ai-ready applied by mallory (read access)',
      2: 'body edited by mallory (read access) after ai-ready was applied',
      4: 'not authorised: no record of who applied ai-ready',
    });
  });

  it('asks for the lookups it needs before deciding, in one round for several issues', () => {
    const backlog = [
      issue(1, '`src/cart.ts` depends on #40'),
      issue(2, '`src/tax.ts`'),
      issue(3, '`README.md`'),
    ];
    const first = planDispatch(
      input(backlog, { details: new Map(), permission: () => undefined }),
      settings,
    );
    expect(first.picked).toEqual([]);
    expect({ ...first.needs, details: [...first.needs.details].sort() }).toEqual({
      details: [1, 2, 3],
      permissions: [],
      references: [40],
    });
    const details = new Map(
      backlog.map((i) => [i.number, labelledBy({ login: 'bob', bot: false })]),
    );
    const second = planDispatch(
      input(backlog, { details, permission: () => undefined, referenced: new Map([[40, false]]) }),
      settings,
    );
    expect(second.needs.permissions).toEqual([{ login: 'bob', bot: false }]);
    const third = planDispatch(
      input(backlog, { details, referenced: new Map([[40, false]]) }),
      settings,
    );
    expect(third.picked.map((p) => p.issue).sort()).toEqual([1, 2, 3]);
  });

  it('respects claims, attempts, budgets and sub-issue order from the ledger', () => {
    const bodyOf = (entries: Parameters<typeof encodeEntries>[0]) => ({
      id: 1,
      author: bot,
      body: encodeEntries(entries),
      createdAt: '',
    });
    const claimOf = (n: number, epoch: number, lease: string) => ({
      type: 'claim' as const,
      issue: n,
      claim: `c-${n}-${epoch}`,
      epoch,
      kind: 'issue' as const,
      files: ['src/**'],
      run: 1,
      lease,
      at: '2026-11-26T09:00:00Z',
    });
    const ledger = foldLedger(
      [
        bodyOf([
          claimOf(1, 1, '2026-11-26T12:00:00Z'),
          claimOf(2, 1, '2026-11-26T10:00:00Z'),
          claimOf(2, 2, '2026-11-26T10:30:00Z'),
          claimOf(3, 1, '2026-11-26T10:00:00Z'),
          {
            type: 'release',
            issue: 3,
            claim: 'c-3-1',
            outcome: 'failed',
            costUsd: 2.5,
            at: '2026-11-26T09:30:00Z',
          },
          // Most attempts were cheap: the estimate (80th percentile) stays under what is left.
          ...[1, 2, 3, 4].map((k) => ({
            type: 'release' as const,
            issue: 9,
            claim: `c-9-${k}`,
            outcome: 'merged' as const,
            costUsd: 0.5,
            at: '2026-11-26T09:30:00Z',
          })),
        ]),
      ],
      (who) => sameIdentity(who, bot),
    );
    const backlog = [
      issue(1, '`README.md`'),
      issue(2, '`README.md`'),
      issue(3, '`README.md`'),
      issue(4, '`src/tax.ts`'),
      issue(5, '`package.json`'),
      issue(6, '`docs/guide.md`'),
    ];
    const details = new Map(backlog.map((i) => [i.number, labelledBy(alice)]));
    details.set(6, {
      ...labelledBy(alice),
      parent: {
        number: 20,
        subIssues: [
          { number: 5, open: true },
          { number: 6, open: true },
        ],
      },
    });
    const plan = planDispatch(input(backlog, { ledger, details }), settings);
    expect(plan.activeClaims).toBe(1);
    expect(reasons(plan)).toEqual({
      1: 'in progress (claim `c-1-1`, epoch 1)',
      2: 'attempts used (2 of 2)',
      3: 'issue budget reached ($2.50 of $2)',
      4: 'conflicts with #1 on `src/tax.ts`',
      6: 'waits for #5, an earlier sub-issue of #20',
    });
    expect(plan.picked.map((p) => p.issue)).toEqual([5]);
    const broke = planDispatch(input(backlog, { ledger, details }), {
      ...settings,
      dailyBudgetUsd: 2,
    });
    expect(reasons(broke)[5]).toBe('daily budget reached ($2)');
  });

  it('puts conflict resolutions first under the same locks, with the last claim’s files', () => {
    const ledger = foldLedger(
      [
        {
          id: 1,
          author: bot,
          createdAt: '',
          body: encodeEntries([
            {
              type: 'claim',
              issue: 7,
              claim: 'c-7-1',
              epoch: 1,
              kind: 'issue',
              files: ['src/cart.ts'],
              run: 1,
              lease: '2026-11-26T10:00:00Z',
              at: '2026-11-26T08:00:00Z',
            },
            {
              type: 'release',
              issue: 7,
              claim: 'c-7-1',
              outcome: 'pr-opened',
              costUsd: 1,
              pr: 30,
              at: '2026-11-26T09:00:00Z',
            },
          ]),
        },
      ],
      (who) => sameIdentity(who, bot),
    );
    const backlog = [issue(1, '`src/cart.ts`', ['priority:critical']), issue(7, '`src/cart.ts`')];
    const plan = planDispatch(
      input(backlog, { ledger, conflicts: [conflictPull({ pull: 30, issue: 7 })] }),
      settings,
    );
    expect(plan.picked).toEqual([
      {
        kind: 'conflict',
        issue: 7,
        pull: 30,
        title: 'Add tax',
        epoch: 2,
        footprint: { entries: ['src/cart.ts'], source: 'explicit', hiddenTextIgnored: false },
        complexity: null,
        estimate: { usd: 1, basis: 'complexity', samples: 1 },
      },
    ]);
    expect(reasons(plan)).toEqual({
      1: 'conflicts with #7 on `src/cart.ts`',
      7: 'its pull request is in conflict resolution',
    });
  });
});

describe('coarsening a footprint', () => {
  it('keeps a footprint that fits and otherwise locks folders, then everything', () => {
    const entries = ['src/ui/button.tsx', 'src/ui/menu.tsx', 'src/cart.ts', 'docs/guide.md'];
    expect(coarsen(entries, 1000)).toEqual(entries);
    expect(coarsen(entries, 50)).toEqual(['docs/**', 'src/**', 'src/ui/**']);
    expect(coarsen(entries, 25)).toEqual(['docs/**', 'src/**']);
    expect(coarsen(['src/**/*.ts', 'README.md'], 5)).toEqual(['**']);
  });
});

describe('conflict pull requests', () => {
  const claimAndRelease = (n: number, epoch: number, costUsd = 0) => [
    {
      type: 'claim' as const,
      issue: n,
      claim: `c-${n}-${epoch}`,
      epoch,
      kind: 'issue' as const,
      files: [`src/f${n}.ts`],
      run: 1,
      lease: '2026-11-26T10:00:00Z',
      at: '2026-11-26T08:00:00Z',
    },
    {
      type: 'release' as const,
      issue: n,
      claim: `c-${n}-${epoch}`,
      outcome: 'pr-opened' as const,
      costUsd,
      pr: 100 + n,
      at: '2026-11-26T09:00:00Z',
    },
  ];
  /** Issues 1 to 20 were each claimed once, by the toolkit, and opened a pull request. */
  const ledgerOf = (...extra: ReturnType<typeof claimAndRelease>[]) =>
    foldLedger(
      [
        {
          id: 1,
          author: bot,
          createdAt: '',
          body: encodeEntries([
            ...Array.from({ length: 20 }, (_, i) => claimAndRelease(i + 1, 1)).flat(),
            ...extra.flat(),
          ]),
        },
      ],
      (who) => sameIdentity(who, bot),
    );
  const wide = { ...settings, maxWorkers: 20 };

  it('sends back only the toolkit’s own pull requests, for issues it claimed, labelled with authority', () => {
    const carol: Identity = { login: 'carol', bot: false };
    const conflicts = [
      conflictPull({ pull: 41, issue: 1, fromFork: true }),
      conflictPull({ pull: 42, issue: 2, author: mallory }),
      conflictPull({ pull: 43, issue: 3, author: null }),
      conflictPull({ pull: 44, issue: 30 }),
      conflictPull({ pull: 45, issue: 5, labelledBy: mallory }),
      conflictPull({ pull: 46, issue: 6, labelledBy: null }),
      conflictPull({ pull: 47, issue: 7, labelledBy: { login: 'bob', bot: false } }),
      conflictPull({ pull: 48, issue: 8, labelledBy: bot }),
      conflictPull({ pull: 49, issue: 9, labelledBy: carol }),
    ];
    const plan = planDispatch(
      input([], { ledger: ledgerOf(), conflicts, permission: (who) => permissions[who.login] }),
      wide,
    );
    expect(reasons(plan)).toEqual({
      1: 'from a fork',
      2: 'opened by mallory, not the toolkit',
      3: 'opened by a deleted account, not the toolkit',
      30: '#30 was never claimed',
      5: 'not authorised: ai-conflict applied by mallory (read access)',
      6: 'not authorised: no record of who applied ai-conflict',
      9: 'not checked this run (lookup limit)',
    });
    expect(plan.needs.permissions).toEqual([carol]);
    expect(plan.picked.map((p) => [p.kind, p.issue, p.pull, p.epoch])).toEqual([
      ['conflict', 7, 47, 2],
      ['conflict', 8, 48, 2],
    ]);

    const looked = planDispatch(
      input([], {
        ledger: ledgerOf(),
        conflicts,
        permission: (who) => (who.login === 'carol' ? 'write' : permissions[who.login]),
      }),
      wide,
    );
    expect(looked.needs.permissions).toEqual([]);
    expect(looked.picked.map((p) => p.issue)).toEqual([7, 8, 9]);
  });

  it('lets a pull request that is not the toolkit’s hold up nothing: its issue is planned as usual', () => {
    const backlog = [issue(1, '`src/cart.ts`'), issue(2, '`src/tax.ts`'), issue(3, '`README.md`')];
    const plan = planDispatch(
      input(backlog, {
        ledger: ledgerOf(),
        conflicts: [
          conflictPull({ pull: 41, issue: 1, fromFork: true }),
          conflictPull({ pull: 42, issue: 2, author: mallory }),
          conflictPull({ pull: 43, issue: 3 }),
        ],
      }),
      wide,
    );
    expect(plan.picked.map((p) => [p.kind, p.issue])).toEqual([
      ['conflict', 3],
      ['issue', 1],
      ['issue', 2],
    ]);
    expect(describeSkip(plan.skipped.find((s) => s.issue === 3)!.reason)).toBe(
      'its pull request is in conflict resolution',
    );
  });

  it('counts conflict resolutions against the issue’s attempts and budget', () => {
    // Issue 1: a second claim, so two attempts of two. Issue 21: $2.50 spent of $2.
    const ledger = ledgerOf(claimAndRelease(1, 2), claimAndRelease(21, 1, 2.5));
    const plan = planDispatch(
      input([], {
        ledger,
        conflicts: [
          conflictPull({ pull: 41, issue: 1 }),
          conflictPull({ pull: 42, issue: 21 }),
          conflictPull({ pull: 43, issue: 3 }),
        ],
      }),
      wide,
    );
    expect(reasons(plan)).toEqual({
      1: 'attempts used (2 of 2)',
      21: 'issue budget reached ($2.50 of $2)',
    });
    expect(plan.picked.map((p) => p.issue)).toEqual([3]);
    expect(
      reasons(
        planDispatch(input([], { ledger, conflicts: [conflictPull({ pull: 43, issue: 3 })] }), {
          ...wide,
          dailyBudgetUsd: 2,
        }),
      ),
    ).toEqual({ 3: 'daily budget reached ($2)' });
  });
});
