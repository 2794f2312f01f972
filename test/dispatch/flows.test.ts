import { afterEach, describe, expect, it } from '@jest/globals';
import { runDispatch } from '../../src/dispatch/run.js';
import { gitHubDispatchPorts } from '../../src/github/dispatch-ports.js';
import type { LedgerEntry } from '../../src/ledger/entries.js';
import { startTwin, type FixtureInput, type Twin } from '../../src/twin/index.js';
import { dispatchToken, twinDeps } from '../support/dispatch.js';
import { ledgerIssue, type FixtureComment } from '../support/ledger.js';
import { readLedger } from '../support/invariants.js';
import { openFeaturePull } from '../support/worker.js';
import { client } from '../support/twin.js';

let twin: Twin | undefined;
afterEach(async () => {
  await twin?.stop();
  twin = undefined;
});

const at = (day: number) => `2026-11-${String(day).padStart(2, '0')}T00:00:00Z`;
const future = () => new Date(Date.now() + 3_600_000).toISOString();

function base(): FixtureInput {
  return {
    repository: {
      owner: 'acme',
      name: 'shop',
      files: { 'src/a.ts': 'a\n', 'src/b.ts': 'b\n', 'src/c.ts': 'c\n' },
    },
    users: [
      { login: 'alice', permission: 'admin' },
      { login: 'mallory', permission: 'read' },
    ],
    tokens: {
      ghs_bot: dispatchToken(),
      // The worker job's GITHUB_TOKEN, with the permissions docs/permissions.md plans for it.
      ghs_worker: {
        login: 'github-actions[bot]',
        permissions: {
          contents: 'write',
          'pull-requests': 'write',
          issues: 'write',
          actions: 'write',
        },
      },
      ghp_alice: 'alice',
    },
    labels: ['ai-ready', 'ai-in-progress', 'ai-coordination', 'ai-conflict'],
    issues: [1, 2, 3].map((n) => ({
      number: n,
      title: `Issue ${n}`,
      body: `Change \`src/${'abc'[n - 1]}.ts\`.`,
      author: 'alice',
      createdAt: at(n),
      labels: [{ name: 'ai-ready', by: 'alice', at: at(5) }],
    })),
  };
}

const tracking = (comments: FixtureComment[]) => ledgerIssue({ number: 10, at: at(1), comments });

const claimBody = (issue: number, epoch: number, file: string): LedgerEntry[] => [
  {
    type: 'claim',
    issue,
    claim: `x-${issue}-${epoch}`,
    epoch,
    kind: 'issue',
    files: [file],
    run: 7,
    lease: future(),
    at: new Date().toISOString(),
  },
];

describe('dispatch flows', () => {
  it('counts claims written by a ledger writer, and only then', async () => {
    const fixture = base();
    fixture.issues!.push(
      tracking([{ author: 'alice', entries: claimBody(1, 1, 'src/a.ts'), at: at(6) }]),
    );
    twin = await startTwin(fixture);
    const without = twinDeps(twin, { 'github-token': 'ghs_bot', 'dry-run': 'true' });
    await runDispatch(without.deps, gitHubDispatchPorts);
    expect(without.summaries[0]).toContain('### Would pick');
    expect(without.summaries[0]).toMatch(/\| #1 Issue 1 \| issue \| `r900a1-[0-9a-f]{8}-1-e1`/);
    const withAlice = twinDeps(twin, {
      'github-token': 'ghs_bot',
      'dry-run': 'true',
      'ledger-writers': 'alice',
    });
    await runDispatch(withAlice.deps, gitHubDispatchPorts);
    expect(withAlice.summaries[0]).toContain('#1 (in progress (claim `x-1-1`, epoch 1))');
  });

  it('ignores a tracking issue opened by someone else, and the claims in it', async () => {
    const fixture = base();
    fixture.users!.push({ login: 'trudy', permission: 'triage' });
    fixture.issues!.push({
      ...tracking([{ author: 'trudy', entries: claimBody(1, 1, '**'), at: at(6) }]),
      author: 'trudy',
      labels: [{ name: 'ai-coordination', by: 'trudy', at: at(1) }],
    });
    twin = await startTwin(fixture);
    const { deps, outputs } = twinDeps(twin, { 'github-token': 'ghs_bot' });
    await runDispatch(deps, gitHubDispatchPorts);
    expect(outputs['tracking-issue']).toBe('11');
    expect(JSON.parse(outputs['matrix']!).include.map((e: { issue: number }) => e.issue)).toEqual([
      1, 2, 3,
    ]);
  });

  it('hands pull requests labelled ai-conflict back first, as conflict entries under their issue', async () => {
    const fixture = base();
    // Issue 3 was claimed and its worker opened the pull request: only then is a conflict work.
    fixture.issues!.push(
      tracking([
        { author: 'github-actions[bot]', entries: claimBody(3, 1, 'src/c.ts'), at: at(6) },
        {
          author: 'github-actions[bot]',
          entries: [
            {
              type: 'release',
              issue: 3,
              claim: 'x-3-1',
              outcome: 'pr-opened',
              costUsd: 1,
              at: new Date().toISOString(),
            },
          ],
          at: at(6),
        },
      ]),
    );
    twin = await startTwin(fixture);
    const api = client(twin, 'ghs_worker');
    const pull = await openFeaturePull(api, 3, { path: 'src/c.ts', contents: 'c2\n' });
    await api.request('POST', `/repos/acme/shop/issues/${pull.number}/labels`, {
      labels: ['ai-conflict'],
    });
    const { deps, outputs } = twinDeps(twin, { 'github-token': 'ghs_bot', 'max-workers': '2' });
    await runDispatch(deps, gitHubDispatchPorts);
    const matrix = JSON.parse(outputs['matrix']!).include;
    expect(
      matrix.map((e: { issue: number; kind: string; pull?: number }) => [e.issue, e.kind, e.pull]),
    ).toEqual([
      [3, 'conflict', pull.number],
      [1, 'issue', undefined],
    ]);
    expect(twin.state.item(3).labels).not.toContain('ai-in-progress');
  });

  it('rotates a long log to a fresh tracking issue that starts with a snapshot', async () => {
    const fixture = base();
    const comments = [
      { author: 'github-actions[bot]', entries: claimBody(1, 1, 'src/a.ts'), at: at(6) },
      ...Array.from({ length: 60 }, (_, i) => ({
        author: 'mallory',
        body: `noise ${i}`,
        at: at(7),
      })),
    ];
    fixture.issues!.push(tracking(comments));
    twin = await startTwin(fixture);
    const { deps, outputs, summaries } = twinDeps(twin, { 'github-token': 'ghs_bot' });
    await runDispatch(deps, gitHubDispatchPorts);
    expect(outputs['tracking-issue']).toBe('11');
    expect(twin.state.item(10)).toMatchObject({ state: 'closed' });
    expect(twin.state.item(10).body).toContain('The ledger continues in #11.');
    const first = twin.state.comments.find((c) => c.issue === 11)!;
    expect(first.body).toContain('"type":"snapshot","from":10');
    expect(summaries[0]).toContain('Rotated from #10.');
    // The snapshot carries the claim on #1 forward: the next dispatch still sees it.
    const next = twinDeps(twin, { 'github-token': 'ghs_bot', 'dry-run': 'true' });
    await runDispatch(next.deps, gitHubDispatchPorts);
    expect(next.summaries[0]).toContain('#1 (in progress (claim `x-1-1`, epoch 1))');
    expect(next.outputs['tracking-issue']).toBe('11');
  });

  it('lists the issues waiting for capacity in queue order, and warns about a forced issue it cannot take', async () => {
    const fixture = base();
    fixture.issues!.push(tracking([]));
    twin = await startTwin(fixture);
    const { deps, outputs, summaries, logger } = twinDeps(twin, {
      'github-token': 'ghs_bot',
      'max-workers': '1',
      issues: '3, 99',
    });
    await runDispatch(deps, gitHubDispatchPorts);
    expect(JSON.parse(outputs['matrix']!).include.map((e: { issue: number }) => e.issue)).toEqual([
      3,
    ]);
    expect(summaries[0]).toContain('### Waiting (2), in queue order\n\n#1, #2');
    expect(summaries[0]).toContain(
      'Issue #99 was asked for but is not an open issue labelled ai-ready',
    );
    expect(logger.lines).toContainEqual({
      level: 'warning',
      message: expect.stringContaining('Issue #99 was asked for'),
    });
  });

  it('expires a claim whose lease passed and claims the issue again with the next epoch', async () => {
    const fixture = base();
    const stale: LedgerEntry[] = [
      {
        type: 'claim',
        issue: 1,
        claim: 'old-1',
        epoch: 1,
        kind: 'issue',
        files: ['src/a.ts'],
        run: 7,
        lease: '2026-11-20T00:00:00Z',
        at: '2026-11-19T00:00:00Z',
      },
    ];
    fixture.issues!.push(tracking([{ author: 'github-actions[bot]', entries: stale, at: at(19) }]));
    twin = await startTwin(fixture);
    const { deps, outputs, summaries } = twinDeps(twin, { 'github-token': 'ghs_bot' });
    await runDispatch(deps, gitHubDispatchPorts);
    const matrix = JSON.parse(outputs['matrix']!).include;
    expect(matrix[0]).toMatchObject({
      issue: 1,
      epoch: 2,
      claim: expect.stringMatching(/^r900a1-[0-9a-f]{8}-1-e2$/),
    });
    expect(summaries[0]).toContain('- #1: `old-1` (lease-passed)');
    const written = twin.state.comments.filter((c) => c.issue === 10).at(-1)!.body;
    expect(written).toContain('"type":"expire","issue":1,"claim":"old-1","reason":"lease-passed"');
  });

  it('skips everything once the day’s budget is spent', async () => {
    const fixture = base();
    const release: LedgerEntry[] = [
      {
        type: 'release',
        issue: 2,
        claim: 'old',
        outcome: 'failed',
        costUsd: 30,
        at: new Date().toISOString(),
      },
    ];
    fixture.issues!.push(
      tracking([{ author: 'github-actions[bot]', entries: release, at: at(6) }]),
    );
    twin = await startTwin(fixture);
    const { deps, outputs, summaries } = twinDeps(twin, {
      'github-token': 'ghs_bot',
      'daily-budget-usd': '25',
    });
    await runDispatch(deps, gitHubDispatchPorts);
    expect(outputs['count']).toBe('0');
    expect(summaries[0]).toContain('| #1 Issue 1 | daily budget reached ($25) |');
  });
});

describe('nothing stuck for good', () => {
  const attemptEntries = (epochs: number, lastLease: string): LedgerEntry[] =>
    Array.from({ length: epochs }, (_, k) => k + 1).flatMap((epoch): LedgerEntry[] => [
      {
        type: 'claim',
        issue: 1,
        claim: `old-${epoch}`,
        epoch,
        kind: 'issue',
        files: ['src/a.ts'],
        run: 7,
        lease: epoch === epochs ? lastLease : '2026-11-20T00:00:00Z',
        at: '2026-11-19T00:00:00Z',
      },
      ...(epoch === epochs
        ? []
        : [
            {
              type: 'expire' as const,
              issue: 1,
              claim: `old-${epoch}`,
              reason: 'lease-passed' as const,
              at: '2026-11-20T00:00:00Z',
            },
          ]),
    ]);

  it('takes ai-in-progress off an issue whose claim expired', async () => {
    const fixture = base();
    fixture.issues![1]!.labels!.push({
      name: 'ai-in-progress',
      by: 'github-actions[bot]',
      at: at(6),
    });
    const stale: LedgerEntry = {
      type: 'claim',
      issue: 2,
      claim: 'old-2',
      epoch: 1,
      kind: 'issue',
      files: ['src/b.ts'],
      run: 7,
      lease: '2026-11-20T00:00:00Z',
      at: '2026-11-19T00:00:00Z',
    };
    fixture.issues!.push(
      tracking([{ author: 'github-actions[bot]', entries: [stale], at: at(6) }]),
    );
    twin = await startTwin(fixture);
    // Only #1 fits: #2's expired attempt was its last.
    const { deps, outputs } = twinDeps(twin, { 'github-token': 'ghs_bot', 'max-attempts': '1' });
    await runDispatch(deps, gitHubDispatchPorts);
    expect(
      JSON.parse(outputs['matrix']!).include.map((e: { issue: number }) => e.issue),
    ).not.toContain(2);
    expect(twin.state.item(2).labels).not.toContain('ai-in-progress');
  });

  it('labels an issue out of attempts failed once, says how to retry, and a writer can give it another round', async () => {
    const fixture = base();
    fixture.issues![0]!.labels!.push({
      name: 'ai-in-progress',
      by: 'github-actions[bot]',
      at: at(6),
    });
    fixture.issues!.push(
      tracking([
        {
          author: 'github-actions[bot]',
          entries: attemptEntries(3, '2026-11-20T00:00:00Z'),
          at: at(19),
        },
      ]),
    );
    twin = await startTwin(fixture);
    const run = async () => {
      const { deps, outputs, summaries } = twinDeps(twin!, { 'github-token': 'ghs_bot' });
      twin!.resetStats();
      await runDispatch(deps, gitHubDispatchPorts);
      return {
        matrix: JSON.parse(outputs['matrix']!).include as { issue: number; epoch: number }[],
        summary: summaries[0]!,
        stats: twin!.stats(),
      };
    };
    const first = await run();
    expect(first.matrix.map((e) => e.issue)).not.toContain(1);
    expect(twin.state.item(1).labels).toContain('ai-failed');
    expect(twin.state.item(1).labels).not.toContain('ai-in-progress');
    const botComments = () =>
      twin!.state.comments.filter((c) => c.issue === 1 && c.author === 'github-actions[bot]');
    expect(botComments()).toHaveLength(1);
    expect(botComments()[0]!.body).toContain('attempts used (3 of 3)');
    expect(botComments()[0]!.body).toContain(
      'removes the `ai-failed` label and applies `ai-ready` again',
    );
    expect(first.summary).toContain('### Labelled failed');
    // Labels and the comment went in the batch's one GraphQL mutation.
    expect(first.stats.contentCreating).toBeLessThanOrEqual(4);

    const second = await run();
    expect(second.summary).toContain('| #1 Issue 1 | labelled ai-failed |');
    expect(botComments()).toHaveLength(1);

    // A maintainer asks for another round: failed off, ready applied anew.
    const api = client(twin, 'ghp_alice');
    await api.request('DELETE', '/repos/acme/shop/issues/1/labels/ai-failed');
    await api.request('DELETE', '/repos/acme/shop/issues/1/labels/ai-ready');
    await api.request('POST', '/repos/acme/shop/issues/1/labels', { labels: ['ai-ready'] });
    const third = await run();
    expect(third.matrix.find((e) => e.issue === 1)).toMatchObject({ epoch: 4 });
    const ledger = await readLedger(twin);
    expect(ledger.state.issues.get(1)).toMatchObject({ attempts: 4, attemptsBefore: 3 });
  });
});

it('rotates a tracking issue flooded by others on the run that finds it, with nothing else to write', async () => {
  const fixture = base();
  const held: LedgerEntry = {
    type: 'claim',
    issue: 1,
    claim: 'held-1',
    epoch: 1,
    kind: 'issue',
    files: ['src/a.ts'],
    run: 7,
    lease: future(),
    at: new Date().toISOString(),
  };
  fixture.issues!.push(
    tracking([
      { author: 'github-actions[bot]', entries: [held], at: at(6) },
      ...Array.from({ length: 150 }, (_, i) => ({
        author: 'mallory',
        body: `spam ${i}`,
        at: at(7),
      })),
    ]),
  );
  twin = await startTwin(fixture);
  // One worker, busy: nothing to claim, yet the flood is moved out of the way now.
  const first = twinDeps(twin, { 'github-token': 'ghs_bot', 'max-workers': '1' });
  await runDispatch(first.deps, gitHubDispatchPorts);
  expect(first.outputs['count']).toBe('0');
  expect(first.outputs['tracking-issue']).toBe('11');
  expect(first.summaries[0]).toContain('Rotated from #10.');
  // The next run reads the fresh issue's short log in the request that finds it.
  const second = twinDeps(twin, { 'github-token': 'ghs_bot', 'max-workers': '1' });
  twin.resetStats();
  await runDispatch(second.deps, gitHubDispatchPorts);
  expect(second.outputs['tracking-issue']).toBe('11');
  expect(second.summaries[0]).toContain('#1 (in progress (claim `held-1`, epoch 1))');
  expect(twin.stats().byRoute['POST /graphql']).toBeLessThanOrEqual(3);
});
