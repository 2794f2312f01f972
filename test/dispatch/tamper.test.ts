import { afterEach, describe, expect, it } from '@jest/globals';
import { encodeEntries } from '../../src/ledger/codec.js';
import type { LedgerEntry } from '../../src/ledger/entries.js';
import { startTwin, type FixtureInput, type Twin } from '../../src/twin/index.js';
import { runBundle, type BundleResult } from '../support/bundle.js';
import { withoutLinks } from '../support/dispatch.js';
import {
  expectOneLiveClaimPerIssue,
  handedOut,
  readLedger,
  counters,
  expectNoDecrease,
  type HandedOut,
} from '../support/invariants.js';
import { ledgerIssue } from '../support/ledger.js';
import { client } from '../support/twin.js';
import { openFeaturePull, startWorkers } from '../support/worker.js';

/**
 * Dispatch against people who can change what it reads: every way the ledger was once broken,
 * run through the committed bundle against the twin, and judged by the ledger's invariants.
 */

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
        'src/a.ts': 'a\n',
        'src/b.ts': 'b\n',
        'src/c.ts': 'c\n',
        'src/d.ts': 'd\n',
      },
    },
    users: [
      { login: 'alice', permission: 'admin' },
      { login: 'bob', permission: 'write' },
      { login: 'trudy', permission: 'triage' },
      { login: 'mallory', permission: 'read' },
    ],
    tokens: {
      ghs_bot: 'github-actions[bot]',
      ghp_alice: 'alice',
      ghp_bob: 'bob',
      ghp_trudy: 'trudy',
      ghp_mallory: 'mallory',
    },
    labels: ['ai-ready', 'ai-in-progress', 'ai-coordination', 'ai-conflict'],
    issues: ['a', 'b', 'c'].map((file, i) => ({
      number: i + 1,
      title: `Change ${file}`,
      body: `Change \`src/${file}.ts\`.`,
      author: 'alice',
      createdAt: at(1 + i),
      labels: [ready()],
    })),
    ...extra,
  };
}

/** One dispatch as a runner runs it; its matrix is recorded for the invariants. */
class Run {
  handed: HandedOut[] = [];
  constructor(private readonly twin: Twin) {}

  async dispatch(
    runId: number,
    inputs: Record<string, string> = {},
    env: Record<string, string> = {},
  ) {
    const when = Date.now();
    const result = await runBundle(
      'dispatch',
      { 'github-token': 'ghs_bot', ...inputs },
      {
        ...this.twin.env('ghs_bot'),
        GITHUB_RUN_ID: String(runId),
        GITHUB_EVENT_NAME: 'schedule',
        GITHUB_ACTOR: 'alice',
        AI_SCRUM_WRITE_INTERVAL_MS: '0',
        ...env,
      },
    );
    result.summary = withoutLinks(result.summary);
    this.handed.push(...handedOut(this.twin, matrix(result), when));
    // Workers start at once: their branches carry the claims' trailers.
    await startWorkers(this.twin, matrix(result));
    expectOneLiveClaimPerIssue(this.twin, this.handed);
    return result;
  }
}

const matrix = (result: BundleResult) =>
  (
    JSON.parse(result.outputs['matrix'] || '{"include":[]}') as {
      include: { issue: number; claim: string; epoch: number; kind: string; pull?: number }[];
    }
  ).include;

const trackingNumber = (t: Twin) =>
  [...t.state.items.values()].find((item) => item.title === 'AI Scrum Master — coordination')!
    .number;

const ledgerComments = (t: Twin, issue: number) =>
  t.state.comments.filter((c) => c.issue === issue && c.author === 'github-actions[bot]');

/** What a writer can do to a claim comment in the browser: rewrite its JSON. */
const rewrites: [string, (body: string) => string][] = [
  [
    'adds a release',
    (body) =>
      `${body}\n${encodeEntries([{ type: 'release', issue: 1, claim: JSON.parse(/"claim":("[^"]+")/.exec(body)![1]!), outcome: 'failed', costUsd: 0, at: at(20) }])}`,
  ],
  ['retargets a claim', (body) => body.replace('"issue":1,', '"issue":99,')],
  ['empties a footprint', (body) => body.replace(/"files":\[[^\]]*\]/g, '"files":[]')],
  [
    'appends a snapshot that resets the fold',
    (body) =>
      `${body}\n${encodeEntries([{ type: 'snapshot', from: 1, continues: false, issues: {}, spendByDay: {}, recent: [], costs: [], at: at(20) }] as LedgerEntry[])}`,
  ],
];

describe('a ledger changed by hand', () => {
  it.each(rewrites)(
    'a writer who %s stops new claims, and a maintainer recovers without double claims',
    async (_what, rewrite) => {
      twin = await startTwin(fixture());
      const run = new Run(twin);
      const first = await run.dispatch(901, { 'max-workers': '2' });
      expect(matrix(first)).toHaveLength(2);
      const tracking = trackingNumber(twin);
      const claimComment = ledgerComments(twin, tracking)[0]!;
      const api = client(twin, 'ghp_bob');
      const edited = await api.request(
        'PATCH',
        `/repos/acme/shop/issues/comments/${claimComment.id}`,
        {
          body: rewrite(claimComment.body),
        },
      );
      expect(edited.status).toBe(200);

      const stopped = await run.dispatch(902, { 'max-workers': '3' });
      expect(stopped.code).not.toBe(0);
      expect(matrix(stopped)).toEqual([]);
      expect(stopped.summary).toContain('The ledger was changed by hand');
      expect(stopped.summary).toContain(`was edited by bob`);
      expect(stopped.stdout).toMatch(
        /::error::.*Ledger tampering: ledger comment \d+ on #\d+ was edited by bob/,
      );
      const alerts = () => twin!.state.comments.filter((c) => c.body.includes('ai-scrum-alert'));
      expect(alerts()).toHaveLength(1);
      // Stopped again: the alert is not repeated.
      await run.dispatch(903);
      expect(alerts()).toHaveLength(1);

      // Only a maintainer's workflow_dispatch may recover.
      const refused = await run.dispatch(
        904,
        { 'recover-ledger': 'true' },
        { GITHUB_EVENT_NAME: 'workflow_dispatch', GITHUB_ACTOR: 'bob' },
      );
      expect(refused.code).not.toBe(0);
      expect(refused.stdout).toContain('bob has write access; a recovery needs admin or maintain');
      const recovered = await run.dispatch(
        905,
        { 'recover-ledger': 'true' },
        { GITHUB_EVENT_NAME: 'workflow_dispatch' },
      );
      expect(recovered.code).toBe(0);
      expect(recovered.summary).toContain('### Ledger recovered into #');
      expect(twin.state.item(tracking).state).toBe('closed');

      const after = await run.dispatch(906, { 'max-workers': '3' });
      expect(after.code).toBe(0);
      expect((await readLedger(twin)).tampering).toEqual([]);
    },
  );

  it('a writer who deletes a claim comment stops new claims, naming them', async () => {
    twin = await startTwin(fixture());
    const run = new Run(twin);
    await run.dispatch(901, { 'max-workers': '1' });
    await run.dispatch(902, { 'max-workers': '2' });
    const tracking = trackingNumber(twin);
    const [first] = ledgerComments(twin, tracking);
    const deleted = await client(twin, 'ghp_bob').request(
      'DELETE',
      `/repos/acme/shop/issues/comments/${first!.id}`,
    );
    expect(deleted.status).toBe(204);
    const stopped = await run.dispatch(903, { 'max-workers': '3' });
    expect(stopped.code).not.toBe(0);
    expect(matrix(stopped)).toEqual([]);
    expect(stopped.summary).toMatch(/a ledger comment by .* was deleted by bob/);
  });

  it('a writer who deletes the last ledger comment is named from the timeline', async () => {
    twin = await startTwin(fixture());
    const run = new Run(twin);
    await run.dispatch(901, { 'max-workers': '1' });
    const tracking = trackingNumber(twin);
    const last = ledgerComments(twin, tracking).at(-1)!;
    await client(twin, 'ghp_alice').request(
      'DELETE',
      `/repos/acme/shop/issues/comments/${last.id}`,
    );
    const stopped = await run.dispatch(902, { 'max-workers': '3' });
    expect(matrix(stopped)).toEqual([]);
    expect(stopped.summary).toContain('was deleted by alice');
  });

  it.each([
    ['closes the tracking issue', { state: 'closed' }],
    ['removes its label', null],
  ] as const)(
    'a triager who %s starts no new ledger: it is reopened and relabelled',
    async (_what, patch) => {
      twin = await startTwin(fixture());
      const run = new Run(twin);
      const first = await run.dispatch(901, { 'max-workers': '1' });
      const tracking = trackingNumber(twin);
      const before = counters(await readLedger(twin));
      const triager = client(twin, 'ghp_trudy');
      const changed = patch
        ? await triager.request('PATCH', `/repos/acme/shop/issues/${tracking}`, patch)
        : await triager.request(
            'DELETE',
            `/repos/acme/shop/issues/${tracking}/labels/ai-coordination`,
          );
      expect(changed.status).toBe(200);
      const next = await run.dispatch(902, { 'max-workers': '3' });
      expect(next.code).toBe(0);
      expect(next.outputs['tracking-issue']).toBe(String(tracking));
      expect(next.summary).toContain('by trudy');
      expect(twin.state.item(tracking)).toMatchObject({
        state: 'open',
        labels: ['ai-coordination'],
      });
      expect(matrix(next).map((e) => e.issue)).not.toContain(matrix(first)[0]!.issue);
      expectNoDecrease(before, counters(await readLedger(twin)));
    },
  );
});

describe('finding the ledger', () => {
  it('pages through every issue the identity opened, and a user named like the bot is not the bot', async () => {
    const base = fixture();
    base.users!.push({ login: 'github-actions', permission: 'write' });
    base.tokens!['ghp_impostor'] = 'github-actions';
    // The real ledger sits behind many other issues the bot opened, closed and unlabelled.
    const others = Array.from({ length: 7 }, (_, i) => ({
      number: 10 + i,
      title: `Report ${i}`,
      author: 'github-actions[bot]',
      createdAt: at(2),
      state: 'closed' as const,
    }));
    const claim: LedgerEntry = {
      type: 'claim',
      issue: 1,
      claim: 'real-1',
      epoch: 1,
      kind: 'issue',
      files: ['src/a.ts'],
      run: 1,
      lease: '2099-01-01T00:00:00Z',
      at: at(5),
    };
    const real = ledgerIssue({
      number: 20,
      at: at(5),
      state: 'closed',
      comments: [{ author: 'github-actions[bot]', entries: [claim], at: at(5) }],
    });
    real.labels = [];
    // A user called github-actions opens an issue that looks like a ledger and claims everything.
    const forged = ledgerIssue({
      number: 4,
      at: at(1),
      author: 'github-actions',
      comments: [
        {
          author: 'github-actions',
          entries: [{ ...claim, issue: 2, claim: 'forged', files: ['**'] }],
          at: at(4),
        },
      ],
    });
    base.issues!.push(...others, real, forged);
    twin = await startTwin(base);
    const run = new Run(twin);
    const result = await run.dispatch(901, { 'max-workers': '3' });
    expect(result.code).toBe(0);
    expect(result.outputs['tracking-issue']).toBe('20');
    expect(result.summary).toContain('reopened it');
    // The real claim holds; the forged one does not.
    expect(
      matrix(result)
        .map((e) => e.issue)
        .sort(),
    ).toEqual([2, 3]);
  });

  it('opens one tracking issue and writes one comment when GitHub applies them but loses the answers', async () => {
    twin = await startTwin(
      fixture({
        faults: {
          seed: 1,
          rules: [
            {
              route: 'POST /repos/{owner}/{repo}/issues',
              probability: 1,
              kind: 'applied-status',
              status: 502,
            },
            {
              route: 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
              probability: 0.5,
              kind: 'applied-drop',
            },
          ],
        },
      }),
    );
    const run = new Run(twin);
    const result = await run.dispatch(901, { 'max-workers': '3' });
    expect(result.code).toBe(0);
    const trackers = [...twin.state.items.values()].filter(
      (i) => i.title === 'AI Scrum Master — coordination',
    );
    expect(trackers).toHaveLength(1);
    expect(ledgerComments(twin, trackers[0]!.number)).toHaveLength(1);
    expect(matrix(result)).toHaveLength(3);
    expect(twin.stats().faultsInjected).toBeGreaterThan(0);
  });

  it('gives a re-run racing its original different claim ids, and one of them the claims', async () => {
    twin = await startTwin(fixture());
    const run = new Run(twin);
    await run.dispatch(900, { 'max-workers': '1' });
    const [a, b] = await Promise.all([run.dispatch(901), run.dispatch(901)]);
    const claims = [...matrix(a), ...matrix(b)].map((e) => e.claim);
    expect(new Set(claims).size).toBe(claims.length);
    expect((await readLedger(twin)).tampering).toEqual([]);
  });
});

describe('work that needs authority', () => {
  it('hands no conflict task for a pull request a triager labelled on an issue that was never claimed', async () => {
    twin = await startTwin(
      fixture({
        issues: [
          ...fixture().issues!,
          { number: 7, title: 'Old', author: 'alice', createdAt: at(1), state: 'closed' },
        ],
      }),
    );
    const writer = client(twin, 'ghp_bob');
    const pull = await openFeaturePull(writer, 7, { path: 'src/z.ts', contents: 'z\n' });
    await client(twin, 'ghp_trudy').request(
      'POST',
      `/repos/acme/shop/issues/${pull.number}/labels`,
      { labels: ['ai-conflict'] },
    );
    const run = new Run(twin);
    const result = await run.dispatch(901, { 'max-workers': '5' });
    expect(matrix(result).filter((e) => e.kind === 'conflict')).toEqual([]);
    expect(result.summary).toMatch(/opened by bob, not the toolkit/);
  });

  it('keeps an issue a read-only user edited out, even after a writer edits it later', async () => {
    const base = fixture();
    base.issues![0]!.edits = [
      { by: 'mallory', at: at(11), body: 'Change `src/a.ts` and also `src/b.ts`.' },
      { by: 'bob', at: at(12), body: 'Change `src/a.ts`.' },
    ];
    twin = await startTwin(base);
    const run = new Run(twin);
    const result = await run.dispatch(901, { 'max-workers': '3' });
    expect(matrix(result).map((e) => e.issue)).not.toContain(1);
    expect(result.summary).toMatch(
      /#1 .* body edited by mallory \(read access\) after ai-ready was applied/,
    );
  });
});
