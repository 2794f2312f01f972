import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { effectiveClaims } from '../../src/ledger/fold.js';
import type { LedgerEntry } from '../../src/ledger/entries.js';
import { startTwin, type FixtureInput, type Twin } from '../../src/twin/index.js';
import { runBundle, type BundleResult } from '../support/bundle.js';
import { dispatchToken, documentedDispatchPermissions, withoutLinks } from '../support/dispatch.js';
import { readLedger } from '../support/invariants.js';
import { startStub } from '../support/http-stub.js';
import { ROOT } from '../support/source.js';
import { client } from '../support/twin.js';
import { ledgerIssue, type FixtureComment } from '../support/ledger.js';

/** The dispatch bundle as a runner runs it, against the twin. */

let twin: Twin | undefined;
afterEach(async () => {
  await twin?.stop();
  twin = undefined;
});

const at = (day: number) => `2026-11-${String(day).padStart(2, '0')}T00:00:00Z`;
const ready = (by = 'alice', day = 10) => ({ name: 'ai-ready', by, at: at(day) });

function fixture(extra: Partial<FixtureInput> = {}): FixtureInput {
  return {
    repository: {
      owner: 'acme',
      name: 'shop',
      files: {
        'README.md': '# shop\n',
        'src/cart.ts': 'export const cart = 1;\n',
        'src/tax.ts': 'export const tax = 1;\n',
        'src/ui/button.tsx': 'export const Button = 1;\n',
        'docs/guide.md': '# guide\n',
      },
    },
    users: [
      { login: 'alice', permission: 'admin' },
      { login: 'bob', permission: 'write' },
      { login: 'mallory', permission: 'read' },
    ],
    // The job's GITHUB_TOKEN holds exactly the documented `permissions:` block.
    tokens: { ghs_bot: dispatchToken(), ghp_alice: 'alice', ghp_mallory: 'mallory' },
    labels: [
      'ai-ready',
      'ai-in-progress',
      'ai-coordination',
      'ai-conflict',
      'priority:critical',
      'priority:high',
      'priority:low',
    ],
    issues: [
      {
        number: 1,
        title: 'Cart rounding',
        body: 'Fix rounding in `src/cart.ts`.',
        author: 'alice',
        createdAt: at(1),
        labels: [ready(), { name: 'priority:high', by: 'alice', at: at(10) }],
      },
      {
        number: 2,
        title: 'Cart discount',
        body: 'Add a discount to `src/cart.ts`.',
        author: 'bob',
        createdAt: at(2),
        labels: [ready('bob'), { name: 'priority:critical', by: 'bob', at: at(10) }],
      },
      {
        number: 3,
        title: 'Tax',
        body: 'Depends on #2. Change `src/tax.ts`.',
        author: 'alice',
        createdAt: at(3),
        labels: [ready()],
      },
      {
        number: 4,
        title: 'Button colour',
        body: 'Restyle `src/ui/button.tsx`.',
        author: 'mallory',
        createdAt: at(4),
        labels: [ready('mallory')],
      },
      {
        number: 5,
        title: 'Guide',
        body: 'Files:\n- docs/guide.md\n',
        author: 'alice',
        createdAt: at(5),
        labels: [ready(), { name: 'priority:low', by: 'alice', at: at(10) }],
      },
      {
        number: 6,
        title: 'Readme',
        body: 'Polish `README.md`.',
        author: 'alice',
        createdAt: at(6),
        labels: [ready()],
        blockedBy: [7],
      },
      {
        number: 7,
        title: 'Prerequisite',
        body: 'Not ready yet.',
        author: 'alice',
        createdAt: at(7),
      },
      {
        number: 9,
        title: 'Checkout',
        body: 'Depends on #7. Touch `src/tax.ts`.',
        author: 'alice',
        createdAt: at(8),
        labels: [ready()],
      },
      {
        number: 10,
        title: 'Readme links',
        body: 'Depends on #11. Fix links in `README.md`.',
        author: 'alice',
        createdAt: at(9),
        labels: [ready()],
      },
      { number: 11, title: 'Done already', author: 'alice', createdAt: at(1), state: 'closed' },
    ],
    ...extra,
  };
}

/** The tracking issue as the toolkit would have opened it, with optional comments. */
const trackingIssue = (comments: FixtureComment[] = []) =>
  ledgerIssue({ number: 8, at: at(1), comments });

const inputs = (extra: Record<string, string> = {}) => ({ 'github-token': 'ghs_bot', ...extra });

async function dispatchRun(
  t: Twin,
  runId: number,
  extra: Record<string, string> = {},
): Promise<BundleResult> {
  const result = await runBundle('dispatch', inputs(extra), {
    ...t.env('ghs_bot'),
    GITHUB_RUN_ID: String(runId),
    AI_SCRUM_WRITE_INTERVAL_MS: '0',
  });
  return { ...result, summary: withoutLinks(result.summary) };
}

const matrixOf = (result: BundleResult) =>
  (
    JSON.parse(result.outputs['matrix'] ?? '{"include":[]}') as {
      include: {
        issue: number;
        claim: string;
        epoch: number;
        branch: string;
        files: string[];
        kind: string;
      }[];
    }
  ).include;

/** Each issue's Status on the acme board #1, read back through GraphQL as alice. */
async function boardStatuses(t: Twin, issues: number[]): Promise<Record<number, string | null>> {
  const fields = issues.map(
    (n) => `i${n}: issue(number: ${n}) {
      projectItems(first: 10) {
        nodes {
          project { number }
          fieldValueByName(name: "Status") { ... on ProjectV2ItemFieldSingleSelectValue { name } }
        }
      }
    }`,
  );
  const answer = await client(t, 'ghp_alice').graphql(
    `query { repository(owner: "acme", name: "shop") { ${fields.join('\n')} } }`,
  );
  expect(answer.body.errors).toBeUndefined();
  const shown: Record<number, string | null> = {};
  for (const n of issues) {
    const nodes = answer.body.data.repository[`i${n}`].projectItems.nodes as {
      project: { number: number };
      fieldValueByName: { name: string } | null;
    }[];
    const item = nodes.find((node) => node.project.number === 1);
    shown[n] = item ? (item.fieldValueByName?.name ?? null) : null;
  }
  return shown;
}

/** The ledger as the twin holds it now, read as dispatch reads it. */
const ledgerOf = async (t: Twin) => (await readLedger(t)).state;

/** A claim id of a run: the run, its attempt, a random part, the issue and the epoch. */
const claimOf = (run: number, issue: number, epoch = 1) =>
  expect.stringMatching(new RegExp(`^r${run}a1-[0-9a-f]{8}-${issue}-e${epoch}$`));

describe('dispatch, end to end', () => {
  it('runs with a token holding the permissions the example workflow and docs/permissions.md give it', () => {
    const docs = readFileSync(join(ROOT, 'docs/permissions.md'), 'utf8');
    const documented = /## dispatch[\s\S]*?```yaml\n([\s\S]*?)```/.exec(docs)?.[1] ?? '';
    expect(parse(documented)).toEqual({ permissions: documentedDispatchPermissions() });
    expect(fixture().tokens!['ghs_bot']).toEqual({
      login: 'github-actions[bot]',
      permissions: { actions: 'read', contents: 'read', issues: 'write', 'pull-requests': 'read' },
    });
  });

  it('is refused what its permissions do not grant (the twin enforces them)', async () => {
    twin = await startTwin(fixture());
    const answer = await fetch(`${twin.urls.api}/repos/acme/shop/pulls`, {
      method: 'POST',
      headers: { authorization: 'token ghs_bot', 'content-type': 'application/json' },
      body: JSON.stringify({ title: 't', head: 'x', base: 'main' }),
    });
    expect([answer.status, ((await answer.json()) as { message: string }).message]).toEqual([
      403,
      'Resource not accessible by integration',
    ]);
  });

  it('orders by priority, respects dependencies and file conflicts, and explains the rest', async () => {
    twin = await startTwin(fixture());
    const result = await dispatchRun(twin, 901);
    expect(result.code).toBe(0);
    expect(matrixOf(result)).toEqual([
      {
        issue: 2,
        claim: claimOf(901, 2),
        epoch: 1,
        branch: 'ai-feature/issue-2',
        files: ['src/cart.ts'],
        kind: 'issue',
        writer: 'github-actions[bot]',
      },
      {
        issue: 5,
        claim: claimOf(901, 5),
        epoch: 1,
        branch: 'ai-feature/issue-5',
        files: ['docs/guide.md'],
        kind: 'issue',
        writer: 'github-actions[bot]',
      },
      {
        issue: 10,
        claim: claimOf(901, 10),
        epoch: 1,
        branch: 'ai-feature/issue-10',
        files: ['README.md'],
        kind: 'issue',
        writer: 'github-actions[bot]',
      },
    ]);
    expect(result.outputs).toMatchObject({
      count: '3',
      'has-work': 'true',
      'tracking-issue': '12',
    });
    expect(result.summary).toContain('#1 (conflicts with #2 on `src/cart.ts`)');
    expect(result.summary).toContain('| #3 Tax | blocked by #2 |');
    expect(result.summary).toContain(
      '| #4 Button colour | not authorised: ai-ready applied by mallory (read access) |',
    );
    expect(result.summary).toContain('| #6 Readme | blocked by 1 open issue (native dependency) |');
    expect(twin.state.item(2).labels).toContain('ai-in-progress');
    expect(twin.state.item(5).labels).toContain('ai-in-progress');
    expect(twin.state.item(1).labels).not.toContain('ai-in-progress');
    // Each first claim opens its issue's progress comment, in the same request as the labels.
    for (const issue of [2, 5, 10]) {
      const progress = twin.state.comments.filter(
        (c) => c.issue === issue && c.body.startsWith('<!-- ai-scrum-progress v1 -->'),
      );
      expect(progress).toHaveLength(1);
      expect(progress[0]!.body).toMatch(
        new RegExp(`Claim \`r901a1-\\w+-${issue}-e1\`, epoch 1\\.`),
      );
    }
    expect(twin.state.item(12)).toMatchObject({
      title: 'AI Scrum Master — coordination',
      author: 'github-actions[bot]',
      labels: ['ai-coordination'],
    });
    expect(effectiveClaims(await ledgerOf(twin), new Date()).map((c) => c.issue)).toEqual([
      2, 5, 10,
    ]);
    expect(result.summary).toContain('| #9 Checkout | blocked by #7 |');

    // The next dispatch sees the claims: nothing new can start on the locked files.
    const again = await dispatchRun(twin, 902);
    expect(matrixOf(again)).toEqual([]);
    expect(again.outputs['has-work']).toBe('false');
    expect(again.summary).toMatch(
      /#2 \(in progress \(claim `r901a1-[0-9a-f]{8}-2-e1`, epoch 1\)\)/,
    );
  });

  it('keeps a Projects board, the metrics file and the outputs in step with what it dispatched', async () => {
    const hook = await startStub([]);
    try {
      twin = await startTwin(
        fixture({
          projects: [
            {
              ownerType: 'organization',
              owner: 'acme',
              number: 1,
              title: 'Roadmap',
              access: { alice: 'admin' },
              fields: [
                {
                  name: 'Status',
                  options: ['Queued', 'In Progress', 'In Review', 'Done', 'Failed'],
                },
              ],
            },
          ],
        }),
      );
      const metrics = join(mkdtempSync(join(tmpdir(), 'dispatch-metrics-')), 'dispatch.prom');
      const result = await dispatchRun(twin, 905, {
        project: 'https://github.com/orgs/acme/projects/1',
        'project-token': 'ghp_alice',
        'metrics-file': metrics,
        'slack-webhook': `${hook.url}/hook`,
      });
      expect(result.code).toBe(0);
      expect(result.stdout).not.toContain('::warning::');
      // Dispatched: in progress; waiting on a lock or a dependency: queued.
      expect(await boardStatuses(twin, [1, 2, 3, 5, 10])).toEqual({
        1: 'Queued',
        2: 'In Progress',
        3: 'Queued',
        5: 'In Progress',
        10: 'In Progress',
      });
      expect(result.outputs).toMatchObject({ dispatched: '3', 'lost-claims': '0', tampering: '0' });
      expect(Number(result.outputs['requests'])).toBeGreaterThan(0);
      const text = readFileSync(metrics, 'utf8');
      expect(text).toMatch(
        /^ai_scrum_dispatch_dispatched_issues\{[^}]*repository="acme\/shop"[^}]*\} 3$/m,
      );
      expect(text).toMatch(
        new RegExp(`^ai_scrum_github_requests\\{[^}]*\\} ${result.outputs['requests']}$`, 'm'),
      );
      // Nothing to tell the chat: no merge, failure, budget or tampering here.
      expect(hook.seen).toEqual([]);
    } finally {
      await hook.stop();
    }
  });

  it('ignores a forged claim comment by someone who is not a ledger writer', async () => {
    const forged: LedgerEntry[] = [
      {
        type: 'claim',
        issue: 2,
        claim: 'forged',
        epoch: 1,
        kind: 'issue',
        files: ['**'],
        run: 1,
        lease: '2099-01-01T00:00:00Z',
        at: at(11),
      },
    ];
    const base = fixture();
    base.issues!.push(trackingIssue([{ author: 'mallory', entries: forged, at: at(11) }]));
    twin = await startTwin(base);
    const result = await dispatchRun(twin, 903);
    expect(result.code).toBe(0);
    expect(matrixOf(result).map((entry) => [entry.issue, entry.claim, entry.epoch])).toEqual([
      [2, claimOf(903, 2), 1],
      [5, claimOf(903, 5), 1],
      [10, claimOf(903, 10), 1],
    ]);
    expect(result.summary).toContain('1 comment by others ignored');
  });

  it('leaves the twin’s state unchanged on a dry run', async () => {
    twin = await startTwin(fixture());
    const before = JSON.stringify(await twin.state.snapshot());
    const result = await dispatchRun(twin, 904, { 'dry-run': 'true' });
    expect(result.code).toBe(0);
    expect(JSON.stringify(await twin.state.snapshot())).toBe(before);
    expect(result.outputs).toMatchObject({
      matrix: '{"include":[]}',
      count: '0',
      'has-work': 'false',
    });
    expect(result.summary).toContain('(dry run: nothing was written)');
    expect(result.summary).toContain('### Would pick');
    expect(twin.stats().contentCreating).toBe(0);
  });

  it.each([true, false])(
    'never leaves an issue with two effective claims when two dispatches race (tracking issue exists: %s)',
    async (exists) => {
      const base = fixture();
      if (exists) {
        base.issues!.push(trackingIssue());
      }
      twin = await startTwin(base);
      const [a, b] = await Promise.all([dispatchRun(twin, 905), dispatchRun(twin, 906)]);
      expect([a.code, b.code]).toEqual([0, 0]);
      const picked = [...matrixOf(a), ...matrixOf(b)];
      expect(new Set(picked.map((entry) => entry.issue)).size).toBe(picked.length);
      const effective = effectiveClaims(await ledgerOf(twin), new Date());
      expect(effective.map((claim) => claim.claim).sort()).toEqual(
        picked.map((entry) => entry.claim).sort(),
      );
      expect(new Set(effective.map((claim) => claim.issue)).size).toBe(effective.length);
    },
  );

  it('with 5% injected 5xx answers completes or fails cleanly, and the next dispatch reconciles', async () => {
    const runs = [911, 912, 913, 914, 915, 916];
    twin = await startTwin(
      fixture({
        workflowRuns: runs.map((id) => ({
          id,
          status: 'completed' as const,
          conclusion: 'failure' as const,
          createdAt: new Date().toISOString(),
        })),
      }),
    );
    for (const [i, runId] of runs.entries()) {
      await fetch(`${twin.urls.api}/_twin/faults`, {
        method: 'POST',
        body: JSON.stringify({
          seed: i + 1,
          rules: [{ route: '*', probability: 0.05, kind: 'status', status: 502 }],
        }),
      });
      const result = await dispatchRun(twin, runId);
      if (result.code !== 0)
        expect(result.stdout).toMatch(/::error::ai-scrum-master\/dispatch failed: /);
      else expect(Number(result.outputs['count'])).toBeGreaterThanOrEqual(0);
    }
    await fetch(`${twin.urls.api}/_twin/faults`, {
      method: 'POST',
      body: JSON.stringify({ rules: [] }),
    });
    const clean = await dispatchRun(twin, 920);
    expect(clean.code).toBe(0);
    // Every claim of the finished runs was expired; only the clean run's claims hold.
    const effective = effectiveClaims(await ledgerOf(twin), new Date());
    expect(effective.every((claim) => claim.run === 920)).toBe(true);
    expect(effective.map((claim) => claim.claim).sort()).toEqual(
      matrixOf(clean)
        .map((entry) => entry.claim)
        .sort(),
    );
    expect(twin.stats().faultsInjected).toBeGreaterThan(0);
  });
});
