import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTwin, type Twin } from '../../src/twin/index.js';
import type { FixtureInput } from '../../src/twin/fixture.js';
import { client, cloneUrl, git, shopFixture } from '../support/twin.js';

/**
 * Fidelity of the merge queue, auto-merge and the refs only GitHub writes. Each test names the
 * GitHub source of the behaviour it pins.
 */

const repo = '/repos/acme/shop';
const FACTS = '/work/shared/github-facts.md';
let twin: Twin | undefined;
const dirs: string[] = [];

afterEach(async () => {
  await twin?.stop();
  twin = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

type Workflows = NonNullable<FixtureInput['workflows']>;

/** CI on pull requests and merge groups: fails for commits that carry broken.txt. */
const CI: Workflows = [
  {
    name: 'CI',
    on: ['pull_request', 'merge_group'],
    checks: ['test'],
    run: 'test ! -f broken.txt',
  },
];

/** The shop with an App (`ghs_app`), the given protection and CI, and ticks for time. */
async function start(protection: Record<string, unknown>, workflows: Workflows = CI) {
  const fixture = shopFixture() as FixtureInput & Record<string, any>;
  fixture.users = [...(fixture.users ?? []), { login: 'ci-app[bot]', permission: 'write' }];
  fixture.tokens = { ...fixture.tokens, ghs_app: 'ci-app[bot]' };
  fixture.workflows = workflows;
  fixture.repository = { ...fixture.repository, protection: protection as any };
  fixture.timing = { asyncDelayMs: null };
  twin = await startTwin(fixture);
  return twin;
}

const api = (token = 'ghs_bot') => client(twin!, token);

async function head(branch: string): Promise<string | undefined> {
  const answer = await api().request('GET', `${repo}/git/ref/heads/${branch}`);
  return answer.status === 200 ? answer.body.object.sha : undefined;
}

/** A branch off main with one file, committed through GraphQL as `token`. */
async function branch(name: string, path: string, token = 'ghs_app') {
  const base = (await head('main'))!;
  await api(token).request('POST', `${repo}/git/refs`, { ref: `refs/heads/${name}`, sha: base });
  const answer = await api(token).graphql(
    `mutation($input: CreateCommitOnBranchInput!) { createCommitOnBranch(input: $input) { commit { oid } } }`,
    {
      input: {
        branch: { repositoryNameWithOwner: 'acme/shop', branchName: name },
        expectedHeadOid: base,
        message: { headline: `Add ${path}` },
        fileChanges: {
          additions: [{ path, contents: Buffer.from(`${path}\n`).toString('base64') }],
        },
      },
    },
  );
  expect(answer.body.errors).toBeUndefined();
  return answer.body.data.createCommitOnBranch.commit.oid as string;
}

/** A pull request of the App (so its CI runs) adding `path`. */
async function pull(name: string, path: string, extra: Record<string, unknown> = {}) {
  await branch(name, path);
  const answer = await api('ghs_app').request('POST', `${repo}/pulls`, {
    title: name,
    head: `acme:${name}`,
    base: 'main',
    ...extra,
  });
  expect(answer.status).toBe(201);
  return answer.body as { number: number; node_id: string; head: { sha: string } };
}

const pullView = async (number: number) =>
  (await api().request('GET', `${repo}/pulls/${number}`)).body;

/** Moves main on (alice is an administrator, so protection lets her). */
async function moveMain() {
  const sha = await branch(`side-${Date.now()}`, `side-${Math.random()}.txt`, 'ghp_alice');
  expect(
    (await api('ghp_alice').request('PATCH', `${repo}/git/refs/heads/main`, { sha })).status,
  ).toBe(200);
}

const ENQUEUE = `mutation($id: ID!) { enqueuePullRequest(input: { pullRequestId: $id }) { mergeQueueEntry { id state } } }`;
const DEQUEUE = `mutation($id: ID!) { dequeuePullRequest(input: { id: $id }) { mergeQueueEntry { id } } }`;
const enqueue = async (id: string) => (await api().graphql(ENQUEUE, { id })).body;
const queueBranches = async () =>
  (await api().request('GET', `${repo}/git/matching-refs/heads/gh-readonly-queue`)).body;

describe('joining the merge queue', () => {
  it(`needs the pull request's own required checks, in GitHub's words (${FACTS}: "enqueuePullRequest with a missing required check: Pull request Required status check "X" is expected.")`, async () => {
    await start({ requiredChecks: ['test'], mergeQueue: true }, []);
    const pr = await pull('unchecked', 'a.txt');
    const answer = await enqueue(pr.node_id);
    expect(answer.errors).toEqual([
      expect.objectContaining({
        type: 'UNPROCESSABLE',
        message: 'Pull request Required status check "test" is expected.',
      }),
    ]);
    expect(twin!.state.mergeQueue).toEqual([]);
  });

  it(`refuses a failing pull request that is also behind, and takes a passing one that is behind (docs.github.com "Managing a merge queue": the queue tests each pull request on the latest base, so "Require branches to be up to date" is not asked of it)`, async () => {
    await start({ requiredChecks: ['test'], mergeQueue: true, requireUpToDate: true });
    const good = await pull('good', 'good.txt');
    const bad = await pull('bad', 'broken.txt');
    await twin!.state.tick();
    await moveMain();
    await twin!.state.tick();
    const refused = await enqueue(bad.node_id);
    expect(refused.errors?.[0]?.message).toBe(
      'Pull request Required status check "test" is failing.',
    );
    expect((await enqueue(good.node_id)).errors).toBeUndefined();
    await twin!.state.tick();
    expect((await pullView(good.number)).merged).toBe(true);
    expect((await pullView(bad.number)).merged).toBe(false);
  });

  it('needs the required approvals, and loses its place when one is withdrawn before the merge (docs.github.com "Managing a merge queue": pull requests must meet all required branch protection checks)', async () => {
    await start({ requiredChecks: ['test'], mergeQueue: true, requiredApprovals: 1 });
    const pr = await pull('reviewed', 'r.txt');
    await twin!.state.tick();
    expect((await enqueue(pr.node_id)).errors?.[0]?.message).toBe(
      'Pull request At least 1 approving review is required by reviewers with write access.',
    );
    const review = (event: string) =>
      api('ghp_alice').request('POST', `${repo}/pulls/${pr.number}/reviews`, { event, body: '' });
    expect((await review('APPROVE')).status).toBe(200);
    expect((await enqueue(pr.node_id)).errors).toBeUndefined();
    // Withdrawn while the queue waits: the merge group passes, the pull request is ejected.
    expect((await review('REQUEST_CHANGES')).status).toBe(200);
    await twin!.state.tick();
    expect((await pullView(pr.number)).merged).toBe(false);
    expect(twin!.state.mergeQueue).toEqual([]);
    expect(await queueBranches()).toEqual([]);
  });

  it('makes one entry of concurrent enqueues of one pull request', async () => {
    await start({ requiredChecks: [], mergeQueue: true }, []);
    const pr = await pull('once', 'o.txt');
    const answers = await Promise.all([1, 2, 3].map(() => enqueue(pr.node_id)));
    expect(twin!.state.mergeQueue).toHaveLength(1);
    expect(new Set(answers.map((a) => a.data.enqueuePullRequest.mergeQueueEntry.id)).size).toBe(1);
  });
});

describe('leaving the merge queue', () => {
  // @octokit/graphql-schema, DequeuePullRequestInput.id: "The ID of the pull request to be
  // dequeued."
  it('takes the pull request’s id in dequeuePullRequest, not the entry’s', async () => {
    await start({ requiredChecks: [], mergeQueue: true }, []);
    const pr = await pull('leaving', 'l.txt');
    const entry = (await enqueue(pr.node_id)).data.enqueuePullRequest.mergeQueueEntry;
    const byEntry = await api().graphql(DEQUEUE, { id: entry.id });
    expect(byEntry.body.errors?.[0]?.type).toBe('NOT_FOUND');
    const byPull = await api().graphql(DEQUEUE, { id: pr.node_id });
    expect(byPull.body.errors).toBeUndefined();
    expect(byPull.body.data.dequeuePullRequest.mergeQueueEntry.id).toBe(entry.id);
    expect(twin!.state.mergeQueue).toEqual([]);
    await twin!.state.tick();
    expect((await pullView(pr.number)).merged).toBe(false);
  });

  it('does not merge an entry dequeued while its merge group is being built, keeps the others, and leaves no queue branch', async () => {
    await start({ requiredChecks: [], mergeQueue: true }, []);
    const first = await pull('first', 'f.txt');
    const second = await pull('second', 's.txt');
    const state = twin!.state;
    const repository = state.git as unknown as Record<string, (...args: any[]) => Promise<any>>;
    const updateRef = repository['must']!.bind(state.git);
    // A dequeue arrives while the queue writes the first group's branch.
    repository['must'] = async (args: string[], ...rest: any[]) => {
      const result = await updateRef(args, ...rest);
      if (args[0] === 'update-ref' && String(args[1]).includes(`/pr-${first.number}-`))
        state.dequeue(first.number);
      return result;
    };
    await enqueue(first.node_id);
    await enqueue(second.node_id);
    await state.tick();
    expect((await pullView(first.number)).merged).toBe(false);
    expect((await pullView(second.number)).merged).toBe(true);
    expect(state.mergeQueue).toEqual([]);
    expect(await queueBranches()).toEqual([]);
  });
});

describe('auto-merge', () => {
  const ENABLE = `mutation($id: ID!) { enablePullRequestAutoMerge(input: { pullRequestId: $id }) { pullRequest { autoMergeRequest { enabledAt } } } }`;
  const TO_DRAFT = `mutation($id: ID!) { convertPullRequestToDraft(input: { pullRequestId: $id }) { pullRequest { isDraft autoMergeRequest { enabledAt } } } }`;

  // peter-evans/enable-pull-request-automerge#1060 quotes GitHub: "Pull request Pull request is
  // closed"; the draft wording follows the same pattern [unverified]. reitermarkus/automerge#1525:
  // GitHub "automatically disables auto-merge for closed and draft PRs".
  it('is refused on a closed or draft pull request, and converting to draft turns it off', async () => {
    await start({ requiredChecks: ['test'] }, []);
    const draft = await pull('draft', 'd.txt', { draft: true });
    expect((await api().graphql(ENABLE, { id: draft.node_id })).body.errors?.[0]).toMatchObject({
      type: 'UNPROCESSABLE',
      message: 'Pull request Pull request is in draft status',
    });
    const closed = await pull('closed', 'c.txt');
    await api().request('PATCH', `${repo}/pulls/${closed.number}`, { state: 'closed' });
    expect((await api().graphql(ENABLE, { id: closed.node_id })).body.errors?.[0]?.message).toBe(
      'Pull request Pull request is closed',
    );
    const open = await pull('open', 'o.txt');
    expect((await api().graphql(ENABLE, { id: open.node_id })).body.errors).toBeUndefined();
    const converted = await api().graphql(TO_DRAFT, { id: open.node_id });
    expect(converted.body.data.convertPullRequestToDraft.pullRequest).toEqual({
      isDraft: true,
      autoMergeRequest: null,
    });
  });
});

describe('a merged pull request', () => {
  // docs.github.com/en/rest/pulls/pulls#list-pull-requests-files lists a pull request's files
  // whatever its state; a merged pull request on github.com keeps its commits and files tabs.
  it('keeps its commits and files, in GraphQL and REST', async () => {
    await start({ requiredChecks: [] }, []);
    const pr = await pull('merged', 'm.txt');
    expect((await api().request('PUT', `${repo}/pulls/${pr.number}/merge`, {})).status).toBe(200);
    await moveMain();
    const QUERY = `query { repository(owner: "acme", name: "shop") { pullRequest(number: ${pr.number}) { merged commits(first: 10) { totalCount } files(first: 10) { nodes { path } } } } }`;
    expect((await api().graphql(QUERY)).body.data.repository.pullRequest).toEqual({
      merged: true,
      commits: { totalCount: 1 },
      files: { nodes: [{ path: 'm.txt' }] },
    });
    const files = await api().request('GET', `${repo}/pulls/${pr.number}/files`);
    expect(files.body.map((file: { filename: string }) => file.filename)).toEqual(['m.txt']);
    expect(await pullView(pr.number)).toMatchObject({ commits: 1, changed_files: 1 });
  });
});

describe('refs only GitHub writes', () => {
  // GitHub refuses pushes to a pull request's refs with git's "deny updating a hidden ref"
  // (e.g. `! [remote rejected] HEAD -> refs/pull/1/head (deny updating a hidden ref)`, quoted in
  // many public threads); merge queue branches are created and removed by the queue alone
  // (docs.github.com "Managing a merge queue": "gh-readonly-queue/{base_branch}"), the refusal's
  // wording is the twin's [unverified].
  it('refuses pushes to refs/pull/* and to gh-readonly-queue/* branches', async () => {
    await start({ requiredChecks: [], mergeQueue: true }, []);
    const work = mkdtempSync(join(tmpdir(), 'ai-scrum-hidden-'));
    dirs.push(work);
    await git(['clone', '-q', cloneUrl(twin!, 'ghp_alice'), 'w'], work);
    const w = join(work, 'w');
    writeFileSync(join(w, 'x.txt'), 'x\n');
    await git(['add', '.'], w);
    await git(['commit', '-q', '-m', 'x'], w);
    await expect(git(['push', '-q', 'origin', 'HEAD:refs/pull/1/head'], w)).rejects.toThrow(
      /deny updating a hidden ref/,
    );
    await expect(
      git(['push', '-q', 'origin', 'HEAD:refs/heads/gh-readonly-queue/main/pr-1-x'], w),
    ).rejects.toThrow(/Cannot update a merge queue branch/);
    const created = await api('ghp_alice').request('POST', `${repo}/git/refs`, {
      ref: 'refs/heads/gh-readonly-queue/main/pr-2-y',
      sha: await head('main'),
    });
    expect([created.status, created.body.reason]).toEqual([
      422,
      'Cannot update a merge queue branch: it is read-only.',
    ]);
    expect(await queueBranches()).toEqual([]);
  });
});
