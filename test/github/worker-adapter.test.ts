import { afterEach, describe, expect, it } from '@jest/globals';
import { createGitHubClient } from '../../src/github/client.js';
import { GitHubLedgerAdapter } from '../../src/github/ledger-adapter.js';
import { GitHubWorkerAdapter } from '../../src/github/worker-adapter.js';
import { gitHubWorkerPorts } from '../../src/github/worker-ports.js';
import { identityOf } from '../../src/ledger/identity.js';
import { UncertainWrite } from '../../src/ledger/port.js';
import { GATE_COMMENT_MARKER } from '../../src/merge-gate/summary.js';
import { startTwin, type FixtureInput, type Twin } from '../../src/twin/index.js';
import { client } from '../support/twin.js';
import { commitToBranch } from '../support/worker.js';

/** The worker's GitHub adapter against the twin, with a worker's GITHUB_TOKEN. */

let twin: Twin | undefined;
afterEach(async () => {
  await twin?.stop();
  twin = undefined;
});

const at = (day: number) => `2026-11-${String(day).padStart(2, '0')}T00:00:00Z`;
const BRANCH = 'ai-feature/issue-1';
const WORKER = identityOf('github-actions[bot]');
const ALICE = identityOf('alice');
const LABELS = ['ai-in-progress', 'ai-review', 'ai-missing'];

/**
 * The shop: issue #1 with 32 comments, #2 with a long log, eve's fork proposing a branch named
 * like the work branch (#3), alice's own pull request (#4), and the worker's GITHUB_TOKEN
 * limited to what a worker job grants.
 */
function workerFixture(): FixtureInput {
  return {
    repository: {
      owner: 'acme',
      name: 'shop',
      files: {
        'README.md': '# shop\n',
        'src/cart.js': 'export function total(items) {\n  return items.length;\n}\n',
      },
    },
    users: [
      { login: 'alice', permission: 'admin' },
      { login: 'eve', permission: 'read' },
    ],
    tokens: {
      ghs_worker: {
        login: 'github-actions[bot]',
        permissions: { contents: 'write', 'pull-requests': 'write', issues: 'write' },
      } as never,
      ghp_alice: 'alice',
    },
    labels: ['ai-ready', 'ai-in-progress', 'ai-review'],
    issues: [
      {
        number: 1,
        title: 'Cart total counts quantities',
        body: 'Change `src/cart.js`.',
        author: 'alice',
        createdAt: at(1),
        labels: [
          { name: 'ai-ready', by: 'alice', at: at(2) },
          { name: 'ai-in-progress', by: 'github-actions[bot]', at: at(3) },
        ],
        comments: Array.from({ length: 32 }, (_, i) => ({
          author: 'alice',
          body: `note ${i}`,
          at: `2026-11-04T00:${String(i).padStart(2, '0')}:00Z`,
        })),
      },
      {
        number: 2,
        title: 'A long discussion',
        body: '',
        author: 'alice',
        createdAt: at(1),
        comments: Array.from({ length: 150 }, (_, i) => ({
          author: i === 5 ? 'github-actions[bot]' : i === 140 ? 'alice' : 'eve',
          body: i === 5 || i === 140 ? `<!-- ai-scrum-progress:r7 --> by ${i}` : `reply ${i}`,
          at: `2026-11-05T${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:00Z`,
        })),
      },
    ],
    pullRequests: [
      {
        number: 3,
        title: 'Same branch name, from a fork',
        author: 'eve',
        createdAt: at(5),
        head: BRANCH,
        headRepository: { owner: 'eve' },
        files: { 'README.md': '# Shop\n' },
      },
      {
        number: 4,
        title: 'Alice’s own change',
        author: 'alice',
        createdAt: at(5),
        head: 'feature-x',
        files: { 'src/x.js': 'export const x = 1;\n' },
      },
    ],
  };
}

async function start(): Promise<{ twin: Twin; adapter: GitHubWorkerAdapter }> {
  twin = await startTwin(workerFixture());
  const github = createGitHubClient({
    token: 'ghs_worker',
    apiUrl: twin.urls.api,
    graphqlUrl: twin.urls.graphql,
    writeIntervalMs: 0,
    msPerSecond: 1,
  });
  return { twin, adapter: new GitHubWorkerAdapter(github, { owner: 'acme', repo: 'shop' }) };
}

async function faults(t: Twin, rules: Record<string, unknown>[]): Promise<void> {
  const answer = await fetch(`${t.urls.api}/_twin/faults`, {
    method: 'POST',
    body: JSON.stringify({ seed: 1, rules }),
  });
  expect(answer.status).toBe(200);
}

const openDraft = (adapter: GitHubWorkerAdapter) =>
  adapter.openPull({
    title: 'Cart total counts quantities',
    body: 'Closes #1',
    head: BRANCH,
    base: 'main',
    draft: true,
  });

describe('GitHubWorkerAdapter.context', () => {
  it('reads everything the worker starts from in one request', async () => {
    const { twin, adapter } = await start();
    const worker = client(twin, 'ghs_worker');
    twin.resetStats();
    const before = await adapter.context(1, BRANCH, LABELS);
    expect(twin.stats()).toMatchObject({ requests: 1, byRoute: { 'POST /graphql': 1 } });

    expect(before.viewer).toEqual(WORKER);
    expect(before.defaultBranch).toBe('main');
    expect(before.baseSha).toBe(await twin.state.branchHead('main'));
    expect(before.issue).toMatchObject({
      number: 1,
      databaseId: twin.state.item(1).id,
      nodeId: twin.state.item(1).nodeId,
      title: 'Cart total counts quantities',
      body: 'Change `src/cart.js`.',
      open: true,
      labels: ['ai-ready', 'ai-in-progress'],
    });
    // The latest 30 of 32, oldest first, each with both of its ids.
    expect(before.issue.comments.map((c) => c.body)).toEqual(
      Array.from({ length: 30 }, (_, i) => `note ${i + 2}`),
    );
    const last = twin.state.comments.find((c) => c.body === 'note 31')!;
    expect(before.issue.comments.at(-1)).toEqual({
      id: last.id,
      nodeId: last.nodeId,
      author: ALICE,
      body: 'note 31',
    });
    // Eve's fork has a branch of the same name: it is not the work branch.
    expect(before.branchHead).toBeNull();
    expect(before.pull).toBeNull();
    expect(before.gateComment).toBeNull();
    expect(before.labelIds).toEqual({
      'ai-in-progress': twin.state.labels.get('ai-in-progress')!.nodeId,
      'ai-review': twin.state.labels.get('ai-review')!.nodeId,
      'ai-missing': null,
    });

    await commitToBranch(
      worker,
      BRANCH,
      { headline: 'Cart total for #1', body: 'AI-Scrum-Claim: r7-1-e1' },
      { path: 'src/cart.js', contents: 'export const total = () => 0;\n' },
    );
    const opened = await openDraft(adapter);
    // Someone else's comment that looks like the gate's is not the gate's.
    await client(twin, 'ghp_alice').request(
      'POST',
      `/repos/acme/shop/issues/${opened.number}/comments`,
      {
        body: `${GATE_COMMENT_MARKER}\nforged`,
      },
    );
    await worker.request('POST', `/repos/acme/shop/issues/${opened.number}/comments`, {
      body: `${GATE_COMMENT_MARKER}\nMerge conflict in src/cart.js`,
    });

    twin.resetStats();
    const after = await adapter.context(1, BRANCH, LABELS);
    expect(twin.stats()).toMatchObject({ requests: 1, byRoute: { 'POST /graphql': 1 } });
    const head = await twin.state.branchHead(BRANCH);
    expect(after.branchHead).toEqual({
      sha: head,
      message: 'Cart total for #1\n\nAI-Scrum-Claim: r7-1-e1\n',
    });
    expect(after.pull).toEqual({
      number: opened.number,
      nodeId: twin.state.item(opened.number).nodeId,
      url: opened.url,
      draft: true,
      body: 'Closes #1',
      headSha: head,
    });
    expect(after.gateComment).toBe(`${GATE_COMMENT_MARKER}\nMerge conflict in src/cart.js`);
  });

  it('fills unused label slots, refuses more names than it has slots, and says when the issue is missing', async () => {
    const { adapter } = await start();
    expect((await adapter.context(1, BRANCH, [])).labelIds).toEqual({});
    expect((await adapter.context(1, BRANCH, ['ai-review'])).labelIds).toEqual({
      'ai-review': twin!.state.labels.get('ai-review')!.nodeId,
    });
    await expect(adapter.context(1, BRANCH, ['a', 'b', 'c', 'd', 'e', 'f'])).rejects.toThrow(
      RangeError,
    );
    await expect(adapter.context(99, BRANCH, LABELS)).rejects.toMatchObject({ status: 404 });
  });
});

describe('the ledger read along with the context', () => {
  it('saves the ledger its first request when told whose tracking issues to read', async () => {
    twin = await startTwin(workerFixture());
    const github = createGitHubClient({
      token: 'ghs_worker',
      apiUrl: twin.urls.api,
      graphqlUrl: twin.urls.graphql,
      writeIntervalMs: 0,
      msPerSecond: 1,
    });
    const repo = { owner: 'acme', repo: 'shop' };
    await github.rest.request('POST /repos/{owner}/{repo}/issues', {
      ...repo,
      title: 'AI Scrum Master: coordination',
      body: 'tracking',
    });
    const expected = await new GitHubLedgerAdapter(github, repo).candidates(
      [WORKER],
      'ai-coordination',
    );
    expect(expected.map((c) => c.number)).toEqual([5]);

    const ports = gitHubWorkerPorts(github, repo);
    await ports.github.context(1, BRANCH, LABELS, 'github-actions[bot]');
    const before = github.stats!.requests;
    expect(await ports.ledger.candidates([WORKER], 'ai-coordination')).toEqual(expected);
    expect(github.stats!.requests).toBe(before);
    // Taken once: a later look (a rival head, a rotation) asks GitHub again.
    expect(await ports.ledger.candidates([WORKER], 'ai-coordination')).toEqual(expected);
    expect(github.stats!.requests).toBe(before + 1);

    // A hint naming someone else saves nothing and changes nothing.
    const other = gitHubWorkerPorts(github, repo);
    await other.github.context(1, BRANCH, LABELS, 'alice');
    const then = github.stats!.requests;
    expect(await other.ledger.candidates([WORKER], 'ai-coordination')).toEqual(expected);
    expect(github.stats!.requests).toBe(then + 1);
  });
});

describe('GitHubWorkerAdapter pull requests', () => {
  it('finds the pull request by its owner-qualified head and its author only', async () => {
    const { twin, adapter } = await start();
    // #3 comes from eve's fork, on a branch of the same name.
    expect(await adapter.findPull(BRANCH, WORKER)).toBeNull();
    expect(await adapter.findPull('feature-x', WORKER)).toBeNull();
    expect(await adapter.findPull('feature-x', ALICE)).toMatchObject({ number: 4 });

    await commitToBranch(
      client(twin, 'ghs_worker'),
      BRANCH,
      { headline: 'Work on #1' },
      { path: 'src/cart.js', contents: 'export const total = () => 1;\n' },
    );
    const opened = await openDraft(adapter);
    expect(opened).toMatchObject({ draft: true, body: 'Closes #1' });
    expect(await adapter.findPull(BRANCH, WORKER)).toEqual(opened);
    expect(await adapter.findPull(BRANCH, ALICE)).toBeNull();
  });

  it('answers the open pull request when one already exists, and stays uncertain when the answer is lost', async () => {
    const { twin, adapter } = await start();
    await commitToBranch(
      client(twin, 'ghs_worker'),
      BRANCH,
      { headline: 'Work on #1' },
      { path: 'src/cart.js', contents: 'export const total = () => 1;\n' },
    );
    await faults(twin, [
      { route: 'POST /repos/{owner}/{repo}/pulls', probability: 1, kind: 'applied-drop' },
    ]);
    await expect(openDraft(adapter)).rejects.toBeInstanceOf(UncertainWrite);
    await faults(twin, []);
    const pulls = () =>
      [...twin.state.items.values()].filter((item) => item.kind === 'pull' && item.head === BRANCH);
    // Sent once: the lost answer was not retried into a second attempt.
    expect(twin.stats().byRoute['POST /repos/{owner}/{repo}/pulls']).toBe(1);
    expect(pulls()).toHaveLength(2);
    const found = await adapter.findPull(BRANCH, WORKER);
    // Opening it again is GitHub's 422 "A pull request already exists": the existing one answers.
    expect(await openDraft(adapter)).toEqual(found);
    expect(pulls()).toHaveLength(2);
  });

  it('edits the body and title', async () => {
    const { twin, adapter } = await start();
    await commitToBranch(
      client(twin, 'ghs_worker'),
      BRANCH,
      { headline: 'Work on #1' },
      { path: 'src/cart.js', contents: 'export const total = () => 1;\n' },
    );
    const opened = await openDraft(adapter);
    await adapter.updatePull(opened.number, { body: 'Closes #1\n\nDone.' });
    await adapter.updatePull(opened.number, { title: 'Cart total', body: 'Closes #1' });
    const pull = twin.state.item(opened.number);
    expect([pull.title, pull.body, pull.edits.length]).toEqual(['Cart total', 'Closes #1', 3]);
  });
});

describe('GitHubWorkerAdapter.settle', () => {
  it('applies the pull request, labels and progress comment in one request', async () => {
    const { twin, adapter } = await start();
    await commitToBranch(
      client(twin, 'ghs_worker'),
      BRANCH,
      { headline: 'Work on #1' },
      { path: 'src/cart.js', contents: 'export const total = () => 1;\n' },
    );
    await openDraft(adapter);
    const progress = await adapter.postComment(1, '<!-- ai-scrum-progress:r7 --> working');
    const context = await adapter.context(1, BRANCH, LABELS);

    twin.resetStats();
    await adapter.settle({
      issueNodeId: context.issue.nodeId,
      addLabelIds: [context.labelIds['ai-review']!],
      removeLabelIds: [context.labelIds['ai-in-progress']!],
      progress: { nodeId: progress.nodeId, body: '<!-- ai-scrum-progress:r7 --> done' },
      pull: { nodeId: context.pull!.nodeId, body: 'Closes #1\n\nAll done.', ready: true },
    });
    expect(twin.stats()).toMatchObject({ requests: 1, byRoute: { 'POST /graphql': 1 } });

    expect(twin.state.item(1).labels).toEqual(['ai-ready', 'ai-review']);
    expect(twin.state.comment(progress.id).body).toBe('<!-- ai-scrum-progress:r7 --> done');
    const pull = twin.state.pull(context.pull!.number);
    expect([pull.body, pull.draft]).toEqual(['Closes #1\n\nAll done.', false]);
  });

  it('asks only for the parts a settlement holds, and sends nothing for an empty one', async () => {
    const { twin, adapter } = await start();
    const context = await adapter.context(1, BRANCH, LABELS);
    twin.resetStats();
    await adapter.settle({
      issueNodeId: context.issue.nodeId,
      addLabelIds: [],
      removeLabelIds: [],
      progress: null,
      pull: null,
    });
    expect(twin.stats().requests).toBe(0);
    await adapter.settle({
      issueNodeId: context.issue.nodeId,
      addLabelIds: [],
      removeLabelIds: [context.labelIds['ai-in-progress']!],
      progress: null,
      pull: null,
    });
    expect(twin.stats().requests).toBe(1);
    expect(twin.state.item(1).labels).toEqual(['ai-ready']);
  });
});

describe('GitHubWorkerAdapter comments and labels', () => {
  it('posts a comment once and reports a lost answer as uncertain', async () => {
    const { twin, adapter } = await start();
    const posted = await adapter.postComment(1, 'hello');
    expect(posted).toEqual({
      id: expect.any(Number),
      nodeId: twin.state.comment(posted.id).nodeId,
      author: WORKER,
      body: 'hello',
    });
    await faults(twin, [
      {
        route: 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
        probability: 1,
        kind: 'applied-status',
        status: 502,
      },
    ]);
    twin.resetStats();
    await expect(adapter.postComment(1, '<!-- m:1 --> lost')).rejects.toBeInstanceOf(
      UncertainWrite,
    );
    expect(twin.stats().byRoute['POST /repos/{owner}/{repo}/issues/{issue_number}/comments']).toBe(
      1,
    );
    await faults(twin, []);
    const found = await adapter.findComment(1, '<!-- m:1 -->', WORKER);
    expect(found).toMatchObject({ author: WORKER, body: '<!-- m:1 --> lost' });
    expect(twin.state.comments.filter((c) => c.body === '<!-- m:1 --> lost')).toHaveLength(1);
  });

  it('finds a comment by marker and author, paging back through a long log', async () => {
    const { twin, adapter } = await start();
    twin.resetStats();
    // Alice's comment with the same marker is newer; the worker's is on the second page back.
    const found = await adapter.findComment(2, '<!-- ai-scrum-progress:r7 -->', WORKER);
    expect(found).toMatchObject({ author: WORKER, body: '<!-- ai-scrum-progress:r7 --> by 5' });
    expect(twin.stats().byRoute['POST /graphql']).toBe(2);
    expect(await adapter.findComment(2, '<!-- ai-scrum-progress:r7 -->', ALICE)).toMatchObject({
      body: '<!-- ai-scrum-progress:r7 --> by 140',
    });
    expect(await adapter.findComment(2, '<!-- ai-scrum-progress:r8 -->', WORKER)).toBeNull();
    expect(await adapter.findComment(99, '<!-- ai-scrum-progress:r7 -->', WORKER)).toBeNull();
  });

  it('edits a comment, adds labels (creating a missing one) and removes a label that may be gone', async () => {
    const { twin, adapter } = await start();
    const posted = await adapter.postComment(1, 'one');
    await adapter.editComment(posted.id, 'two');
    expect(twin.state.comment(posted.id).body).toBe('two');
    await adapter.addLabels(1, ['ai-review', 'ai-new']);
    expect(twin.state.item(1).labels).toEqual([
      'ai-ready',
      'ai-in-progress',
      'ai-review',
      'ai-new',
    ]);
    expect(twin.state.labels.has('ai-new')).toBe(true);
    await adapter.removeLabel(1, 'ai-in-progress');
    await adapter.removeLabel(1, 'ai-in-progress');
    expect(twin.state.item(1).labels).toEqual(['ai-ready', 'ai-review', 'ai-new']);
  });
});

describe('GitHubWorkerAdapter issues', () => {
  it('opens issues, makes one a sub-issue and marks it blocked, as GitHub’s native relations', async () => {
    const { twin, adapter } = await start();
    const child = await adapter.createIssue({
      title: 'Part one',
      body: 'Split from #1\n<!-- ai-scrum-split:1-a -->',
      labels: ['ai-ready'],
    });
    const blocker = await adapter.createIssue({
      title: 'Part zero',
      body: 'Split from #1\n<!-- ai-scrum-split:1-b -->',
      labels: [],
    });
    expect(child.databaseId).toBe(twin.state.item(child.number).id);
    await adapter.addSubIssue(1, child.databaseId);
    await adapter.addBlockedBy(child.number, blocker.databaseId);

    expect(twin.state.issue(1).subIssues).toEqual([child.number]);
    expect(twin.state.issue(child.number).parent).toBe(1);
    expect(twin.state.issue(child.number).blockedBy).toEqual([blocker.number]);
    expect(twin.state.item(child.number)).toMatchObject({
      author: 'github-actions[bot]',
      labels: ['ai-ready'],
    });
  });

  it('finds an issue by marker and author, and reports a lost answer as uncertain', async () => {
    const { twin, adapter } = await start();
    // Alice's issue carries the same marker: it is not the worker's.
    const copy = await client(twin, 'ghp_alice').request('POST', '/repos/acme/shop/issues', {
      title: 'Copy',
      body: '<!-- ai-scrum-split:1-a -->',
    });
    expect(await adapter.findIssue('<!-- ai-scrum-split:1-a -->', WORKER)).toBeNull();
    await faults(twin, [
      {
        route: 'POST /repos/{owner}/{repo}/issues',
        probability: 1,
        kind: 'applied-status',
        status: 504,
      },
    ]);
    await expect(
      adapter.createIssue({ title: 'Part one', body: '<!-- ai-scrum-split:1-a -->', labels: [] }),
    ).rejects.toBeInstanceOf(UncertainWrite);
    await faults(twin, []);
    const found = await adapter.findIssue('<!-- ai-scrum-split:1-a -->', WORKER);
    const created = [...twin.state.items.values()].filter(
      (i) => i.title === 'Part one' && i.author === 'github-actions[bot]',
    );
    expect(created).toHaveLength(1);
    expect(found).toEqual({ number: created[0]!.number, databaseId: created[0]!.id });
    expect(await adapter.findIssue('<!-- ai-scrum-split:1-a -->', ALICE)).toEqual({
      number: copy.body.number,
      databaseId: copy.body.id,
    });
  });
});
