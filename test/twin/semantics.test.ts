import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { startTwin, type Twin } from '../../src/twin/index.js';
import { client, LABELLED_ISSUES_QUERY, shopFixture } from '../support/twin.js';

let twin: Twin;
let api: ReturnType<typeof client>;
const repo = '/repos/acme/shop';

beforeEach(async () => {
  // GitHub's after-the-answer work (update-branch, auto-merge) waits for an explicit tick here.
  twin = await startTwin({ ...shopFixture(), timing: { asyncDelayMs: null } });
  api = client(twin);
});
afterEach(async () => {
  await twin.stop();
});

const COMMIT = `mutation($input: CreateCommitOnBranchInput!) { createCommitOnBranch(input: $input) { commit { oid } } }`;

async function commit(
  branch: string,
  expected: string,
  path: string,
  text: string,
  as: ReturnType<typeof client> = api,
) {
  return as.graphql(COMMIT, {
    input: {
      branch: { repositoryNameWithOwner: 'acme/shop', branchName: branch },
      expectedHeadOid: expected,
      message: { headline: `Change ${path}` },
      fileChanges: { additions: [{ path, contents: Buffer.from(text).toString('base64') }] },
    },
  });
}

async function head(branch: string): Promise<string> {
  return (await api.request('GET', `${repo}/git/ref/heads/${branch}`)).body.object.sha;
}

/** A branch off main with one commit changing `path`, and its pull request. */
async function pullRequest(branch: string, path: string, text: string) {
  const base = await head('main');
  await api.request('POST', `${repo}/git/refs`, { ref: `refs/heads/${branch}`, sha: base });
  await commit(branch, base, path, text);
  return (
    await api.request('POST', `${repo}/pulls`, {
      title: branch,
      head: branch,
      base: 'main',
      body: 'Closes #1',
    })
  ).body;
}

describe('refs', () => {
  it('creates a ref once; a second creation is 422 Reference already exists', async () => {
    const sha = await head('main');
    const attempts = await Promise.all(
      [1, 2, 3].map(() =>
        api.request('POST', `${repo}/git/refs`, { ref: 'refs/heads/ai-feature/issue-1', sha }),
      ),
    );
    expect(attempts.map((a) => a.status).sort()).toEqual([201, 422, 422]);
    expect(attempts.find((a) => a.status === 422)?.body.message).toBe('Reference already exists');
  });

  it('refuses a non-fast-forward update unless forced, and answers for missing refs', async () => {
    const base = await head('main');
    await api.request('POST', `${repo}/git/refs`, { ref: 'refs/heads/dev', sha: base });
    await commit('dev', base, 'a.txt', 'a');
    const moved = await head('dev');
    const back = await api.request('PATCH', `${repo}/git/refs/heads/dev`, { sha: base });
    expect([back.status, back.body.message]).toEqual([422, 'Update is not a fast forward']);
    expect(
      (await api.request('PATCH', `${repo}/git/refs/heads/dev`, { sha: base, force: true })).status,
    ).toBe(200);
    expect((await api.request('PATCH', `${repo}/git/refs/heads/dev`, { sha: moved })).status).toBe(
      200,
    );
    const missing = await api.request('PATCH', `${repo}/git/refs/heads/none`, { sha: base });
    expect([missing.status, missing.body.message]).toEqual([422, 'Reference does not exist']);
    expect((await api.request('GET', `${repo}/git/ref/heads/none`)).status).toBe(404);
    expect((await api.request('GET', `${repo}/git/matching-refs/heads/nothing`)).body).toEqual([]);
  });

  it('serves a commit object with its message, parents and tree', async () => {
    const base = await head('main');
    await api.request('POST', `${repo}/git/refs`, { ref: 'refs/heads/dev', sha: base });
    await api.graphql(COMMIT, {
      input: {
        branch: { repositoryNameWithOwner: 'acme/shop', branchName: 'dev' },
        expectedHeadOid: base,
        message: { headline: 'Claim', body: 'AI-Scrum-Claim: r1-1-e1\nAI-Scrum-Epoch: 1' },
        fileChanges: {
          additions: [{ path: 'a.txt', contents: Buffer.from('a').toString('base64') }],
        },
      },
    });
    const sha = await head('dev');
    const commit = await api.request('GET', `${repo}/git/commits/${sha}`);
    expect(commit.body).toMatchObject({
      sha,
      message: 'Claim\n\nAI-Scrum-Claim: r1-1-e1\nAI-Scrum-Epoch: 1',
      parents: [{ sha: base }],
      author: {
        name: 'github-actions',
        email: '41898282+github-actions[bot]@users.noreply.github.com',
      },
      verification: { verified: false },
    });
    expect((await api.request('GET', `${repo}/git/commits/${'1'.repeat(40)}`)).status).toBe(404);
  });

  it('createCommitOnBranch honours expectedHeadOid', async () => {
    const base = await head('main');
    await api.request('POST', `${repo}/git/refs`, { ref: 'refs/heads/dev', sha: base });
    expect((await commit('dev', base, 'a.txt', 'one')).body.errors).toBeUndefined();
    const stale = await commit('dev', base, 'b.txt', 'two');
    expect(stale.body.errors[0]).toMatchObject({
      type: 'STALE_DATA',
      message: expect.stringContaining(`Expected branch to point to "${base}"`),
    });
  });
});

describe('issues, labels, comments', () => {
  it('gives comments ascending ids and lists them in that order', async () => {
    const ids: number[] = [];
    for (const body of ['a', 'b', 'c'])
      ids.push((await api.request('POST', `${repo}/issues/2/comments`, { body })).body.id);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    const listed = await api.request('GET', `${repo}/issues/2/comments`);
    expect(listed.body.map((c: { id: number }) => c.id)).toEqual(ids);
  });

  it('records who applied a label in the timeline, as REST and GraphQL report it', async () => {
    await client(twin, 'ghp_alice').request('POST', `${repo}/issues/2/labels`, {
      labels: ['ai-ready'],
    });
    const timeline = await api.request('GET', `${repo}/issues/2/timeline`);
    expect(timeline.body.at(-1)).toMatchObject({
      event: 'labeled',
      actor: { login: 'alice' },
      label: { name: 'ai-ready' },
    });
    const data = (
      await api.graphql(LABELLED_ISSUES_QUERY, { owner: 'acme', name: 'shop', label: 'ai-ready' })
    ).body.data;
    expect(data.repository.issues.nodes.map((n: { number: number }) => n.number)).toEqual([1, 2]);
    expect(data.repository.issues.nodes[1].timelineItems.nodes[0]).toMatchObject({
      actor: { login: 'alice' },
    });
  });

  it('refuses label changes from a read-only user', async () => {
    const refused = await client(twin, 'ghp_mallory').request('POST', `${repo}/issues/2/labels`, {
      labels: ['ai-ready'],
    });
    expect([refused.status, refused.body.message]).toEqual([
      403,
      'Resource not accessible by integration',
    ]);
  });

  it('reports collaborator permission as GitHub does', async () => {
    const alice = await api.request('GET', `${repo}/collaborators/alice/permission`);
    expect(alice.body).toMatchObject({
      permission: 'admin',
      role_name: 'admin',
      user: { login: 'alice' },
    });
    const mallory = await api.request('GET', `${repo}/collaborators/mallory/permission`);
    expect(mallory.body.permission).toBe('read');
  });

  it('keeps native dependencies and sub-issues, with their summaries', async () => {
    const one = await api.request('GET', `${repo}/issues/1`);
    expect(one.body.issue_dependencies_summary).toEqual({
      blocked_by: 1,
      blocking: 0,
      total_blocked_by: 1,
      total_blocking: 0,
    });
    expect(one.body.sub_issues_summary).toEqual({ total: 1, completed: 0, percent_completed: 0 });
    await api.request('PATCH', `${repo}/issues/2`, { state: 'closed' });
    const after = await api.request('GET', `${repo}/issues/1`);
    expect(after.body.issue_dependencies_summary.blocked_by).toBe(0);
    const pr = await pullRequest('feature', 'f.txt', 'f');
    const blockedByPr = await api.request('POST', `${repo}/issues/3/dependencies/blocked_by`, {
      issue_id: pr.id,
    });
    expect(blockedByPr.status).toBe(422);
    const sub = await api.graphql(
      'query { repository(owner: "acme", name: "shop") { issue(number: 3) { parent { number } } } }',
    );
    expect(sub.body.data.repository.issue.parent.number).toBe(1);
  });
});

describe('pull requests', () => {
  it('answers GitHub’s errors for duplicate and empty pull requests', async () => {
    await pullRequest('feature', 'f.txt', 'f');
    const again = await api.request('POST', `${repo}/pulls`, {
      title: 'x',
      head: 'feature',
      base: 'main',
    });
    expect(again.body.errors[0].message).toBe('A pull request already exists for acme:feature.');
    await api.request('POST', `${repo}/git/refs`, {
      ref: 'refs/heads/empty',
      sha: await head('main'),
    });
    const empty = await api.request('POST', `${repo}/pulls`, {
      title: 'x',
      head: 'empty',
      base: 'main',
    });
    expect(empty.body.errors[0].message).toBe('No commits between main and empty');
    const missing = await api.request('POST', `${repo}/pulls`, {
      title: 'x',
      head: 'nope',
      base: 'main',
    });
    expect(missing.body.errors[0]).toEqual({
      resource: 'PullRequest',
      field: 'head',
      code: 'invalid',
    });
  });

  it('merges with real git, guarded by the head SHA and protection', async () => {
    const pr = await pullRequest('feature', 'src/cart.ts', 'export const x = 2;\n');
    const url = `${repo}/pulls/${pr.number}/merge`;
    expect((await api.request('PUT', url, { sha: pr.head.sha })).body.message).toBe(
      'Repository rule violations found\n\nRequired status check "test" is expected.\n\n',
    );
    await api.request('POST', `${repo}/check-runs`, {
      name: 'test',
      head_sha: pr.head.sha,
      conclusion: 'success',
    });
    const wrong = await api.request('PUT', url, { sha: '1'.repeat(40) });
    expect([wrong.status, wrong.body.message]).toEqual([
      409,
      'Head branch was modified. Review and try the merge again.',
    ]);
    const merged = await api.request('PUT', url, { sha: pr.head.sha, merge_method: 'merge' });
    expect(merged.body).toMatchObject({
      merged: true,
      message: 'Pull Request successfully merged',
    });
    expect(await head('main')).toBe(merged.body.sha);
    const tree = await api.request('GET', `${repo}/git/trees/main?recursive=1`);
    expect(tree.body.tree.map((e: { path: string }) => e.path)).toContain('src/cart.ts');
    expect((await api.request('GET', `${repo}/issues/1`)).body.state).toBe('closed');
    expect((await api.request('PUT', url, {})).status).toBe(405);
  });

  it('detects conflicts: CONFLICTING, DIRTY and 405 on merge', async () => {
    const first = await pullRequest('one', 'src/cart.ts', 'export const x = 2;\n');
    const second = await pullRequest('two', 'src/cart.ts', 'export const x = 3;\n');
    await api.request('POST', `${repo}/check-runs`, {
      name: 'test',
      head_sha: first.head.sha,
      conclusion: 'success',
    });
    await api.request('PUT', `${repo}/pulls/${first.number}/merge`, { sha: first.head.sha });
    // The base moved: the first read after it answers while GitHub is still computing.
    const computing = await api.request('GET', `${repo}/pulls/${second.number}`);
    expect([computing.body.mergeable, computing.body.mergeable_state]).toEqual([null, 'unknown']);
    const view = await api.request('GET', `${repo}/pulls/${second.number}`);
    expect([view.body.mergeable, view.body.mergeable_state]).toEqual([false, 'dirty']);
    const gql = await api.graphql(
      `query { repository(owner: "acme", name: "shop") { pullRequest(number: ${second.number}) { mergeable mergeStateStatus } } }`,
    );
    expect(gql.body.data.repository.pullRequest).toEqual({
      mergeable: 'CONFLICTING',
      mergeStateStatus: 'DIRTY',
    });
    const merge = await api.request('PUT', `${repo}/pulls/${second.number}/merge`, {
      sha: second.head.sha,
    });
    expect([merge.status, merge.body.message]).toEqual([405, 'Pull Request is not mergeable']);
    const update = await api.request('PUT', `${repo}/pulls/${second.number}/update-branch`, {});
    expect([update.status, update.body.message]).toEqual([
      422,
      'merge conflict between base and head',
    ]);
  });

  it('updates a branch that is behind, and says when there is nothing new', async () => {
    const pr = await pullRequest('feature', 'f.txt', 'f');
    const nothing = await api.request('PUT', `${repo}/pulls/${pr.number}/update-branch`, {});
    expect([nothing.status, nothing.body.message]).toEqual([
      422,
      'There are no new commits on the base branch.',
    ]);
    // The administrator may push to the protected branch (protection is not enforced for admins).
    await commit('main', await head('main'), 'g.txt', 'g', client(twin, 'ghp_alice'));
    const stale = await api.request('PUT', `${repo}/pulls/${pr.number}/update-branch`, {
      expected_head_sha: '2'.repeat(40),
    });
    expect(stale.status).toBe(422);
    const updated = await api.request('PUT', `${repo}/pulls/${pr.number}/update-branch`, {
      expected_head_sha: pr.head.sha,
    });
    expect(updated.status).toBe(202);
    // GitHub moves the head after answering.
    expect(await head('feature')).toBe(pr.head.sha);
    await twin.state.tick();
    expect(await head('feature')).not.toBe(pr.head.sha);
  });

  it('auto-merges once the required check passes, with GitHub’s refusals before', async () => {
    const pr = await pullRequest('feature', 'f.txt', 'f');
    const ENABLE = `mutation($id: ID!) { enablePullRequestAutoMerge(input: { pullRequestId: $id, mergeMethod: SQUASH }) { pullRequest { autoMergeRequest { enabledBy { login } mergeMethod } } } }`;
    const enabled = await api.graphql(ENABLE, { id: pr.node_id });
    expect(enabled.body.data.enablePullRequestAutoMerge.pullRequest.autoMergeRequest).toEqual({
      enabledBy: { login: 'github-actions' },
      mergeMethod: 'SQUASH',
    });
    expect((await api.request('GET', `${repo}/pulls/${pr.number}`)).body.mergeable_state).toBe(
      'blocked',
    );
    await api.request('POST', `${repo}/statuses/${pr.head.sha}`, {
      state: 'success',
      context: 'test',
    });
    expect((await api.request('GET', `${repo}/pulls/${pr.number}`)).body.merged).toBe(false);
    await twin.state.tick();
    const merged = await api.request('GET', `${repo}/pulls/${pr.number}`);
    expect([merged.body.merged, merged.body.merged_by.login]).toEqual([
      true,
      'github-actions[bot]',
    ]);

    const clean = await pullRequest('clean', 'c.txt', 'c');
    await api.request('POST', `${repo}/check-runs`, {
      name: 'test',
      head_sha: clean.head.sha,
      conclusion: 'success',
    });
    const refused = await api.graphql(ENABLE, { id: clean.node_id });
    expect(refused.body.errors[0]).toMatchObject({
      type: 'UNPROCESSABLE',
      message: 'Pull request Pull request is in clean status',
    });
  });

  it('requires approvals when protection asks for them', async () => {
    await twin.stop();
    const fixture = shopFixture() as any;
    fixture.repository.protection = { requiredChecks: [], requiredApprovals: 1 };
    fixture.users.push({ login: 'bob', permission: 'write' });
    fixture.tokens.ghp_bob = 'bob';
    twin = await startTwin(fixture);
    api = client(twin);
    const pr = await pullRequest('feature', 'f.txt', 'f');
    expect((await api.request('GET', `${repo}/pulls/${pr.number}`)).body.mergeable_state).toBe(
      'blocked',
    );
    const self = await api.request('POST', `${repo}/pulls/${pr.number}/reviews`, {
      event: 'APPROVE',
    });
    expect(self.status).toBe(422);
    await client(twin, 'ghp_bob').request('POST', `${repo}/pulls/${pr.number}/reviews`, {
      event: 'APPROVE',
    });
    expect((await api.request('GET', `${repo}/pulls/${pr.number}`)).body.mergeable_state).toBe(
      'clean',
    );
  });
});

describe('GraphQL', () => {
  it('names a field the twin has not implemented instead of answering null', async () => {
    const answer = await api.graphql(
      'query { repository(owner: "acme", name: "shop") { issue(number: 1) { title bodyHTML } } }',
    );
    expect(answer.body.errors).toEqual([
      expect.objectContaining({
        message: 'The twin does not implement Issue.bodyHTML',
        path: ['repository', 'issue', 'bodyHTML'],
      }),
    ]);
  });

  it('rejects what GitHub’s schema rejects', async () => {
    const answer = await api.graphql('query { viewer { favouriteColour } }');
    expect(answer.body.errors[0].message).toContain(
      'Cannot query field "favouriteColour" on type "User"',
    );
  });

  it('charges points by GitHub’s formula and reports them in rateLimit', async () => {
    // issues(first: 100) is 1 request; labels, timelineItems and subIssues of 100 issues are 300 more.
    const answer = await api.graphql(LABELLED_ISSUES_QUERY, {
      owner: 'acme',
      name: 'shop',
      label: 'ai-ready',
    });
    expect(answer.body.data.rateLimit.cost).toBe(3);
    expect(twin.stats().graphqlPoints).toBe(3);
    expect(answer.headers.get('x-ratelimit-used')).toBe('3');
    const viewer = await api.graphql('query { viewer { login } rateLimit { cost nodeCount } }');
    expect(viewer.body.data).toEqual({
      viewer: { login: 'github-actions[bot]' },
      rateLimit: { cost: 1, nodeCount: 0 },
    });
  });

  it('refuses a query that could return more than 500,000 nodes', async () => {
    const answer = await api.graphql(
      'query { repository(owner: "acme", name: "shop") { issues(first: 100) { nodes { comments(first: 100) { nodes { reactions(first: 100) { totalCount } } } } } } }',
    );
    expect(answer.body.errors[0]).toMatchObject({ type: 'MAX_NODE_LIMIT_EXCEEDED' });
    expect(answer.body.data).toBeUndefined();
  });

  it('answers null for an unknown repository and NOT_FOUND for an unknown node', async () => {
    const answer = await api.graphql('query { repository(owner: "acme", name: "other") { id } }');
    expect(answer.body).toEqual({ data: { repository: null } });
    const merge = await api.graphql(
      'mutation { mergePullRequest(input: { pullRequestId: "PR_nope" }) { pullRequest { number } } }',
    );
    expect(merge.body.errors[0].type).toBe('NOT_FOUND');
  });

  it('adds labels and comments through mutations', async () => {
    const ids = await api.graphql(
      'query { repository(owner: "acme", name: "shop") { issue(number: 2) { id } label(name: "ai-ready") { id } } }',
    );
    const { issue, label } = ids.body.data.repository;
    const added = await api.graphql(
      `mutation { a: addLabelsToLabelable(input: { labelableId: "${issue.id}", labelIds: ["${label.id}"] }) { clientMutationId }
        b: addComment(input: { subjectId: "${issue.id}", body: "claim" }) { commentEdge { node { databaseId author { login } } } } }`,
    );
    expect(added.body.data.b.commentEdge.node.author.login).toBe('github-actions');
    expect(
      (await api.request('GET', `${repo}/issues/2`)).body.labels.map(
        (l: { name: string }) => l.name,
      ),
    ).toEqual(['ai-ready']);
    expect(twin.stats().contentCreating).toBe(1);
  });
});

describe('control', () => {
  it('serves the whole state and resettable stats', async () => {
    const state = (await (await fetch(`${twin.urls.api}/_twin/state`)).json()) as any;
    expect(Object.keys(state.refs)).toEqual(['refs/heads/main']);
    await api.request('GET', `${repo}/issues/1`);
    const stats = await (await fetch(`${twin.urls.api}/_twin/stats`)).json();
    expect(stats).toMatchObject({
      requests: 1,
      byRoute: { 'GET /repos/{owner}/{repo}/issues/{issue_number}': 1 },
      byToken: { ghs_bot: 1 },
    });
    await fetch(`${twin.urls.api}/_twin/stats`, { method: 'DELETE' });
    expect(twin.stats().requests).toBe(0);
  });

  it('refuses requests without a token or with an unknown one', async () => {
    expect((await client(twin, null).request('GET', `${repo}/issues/1`)).status).toBe(401);
    expect((await client(twin, 'ghp_nobody').request('GET', `${repo}/issues/1`)).body.message).toBe(
      'Bad credentials',
    );
    expect((await api.request('GET', '/repos/acme/other/issues/1')).status).toBe(404);
    expect((await api.request('GET', '/nowhere')).status).toBe(404);
  });
});
