import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ROUTES } from '../../src/github/routes.js';
import { matchRoute, REST_ROUTES } from '../../src/twin/rest.js';
import { startTwin, type Twin } from '../../src/twin/index.js';
import { responseProblems, routeProblem } from '../support/contracts.js';
import { client, shopFixture } from '../support/twin.js';

interface Seen {
  method: string;
  template: string;
  status: number;
  body: unknown;
}

let twin: Twin;
const seen: Seen[] = [];

/** Calls the twin and remembers the answer with its route template for schema validation. */
async function call(method: string, path: string, body?: unknown, token = 'ghs_bot') {
  const answer = await client(twin, token).request(method, path, body);
  const url = new URL(path, 'http://twin');
  const matched = matchRoute(REST_ROUTES, method, url.pathname);
  if (matched)
    seen.push({
      method,
      template: matched.route.template,
      status: answer.status,
      body: answer.body,
    });
  return answer;
}

beforeAll(async () => {
  twin = await startTwin({
    ...shopFixture(),
    timing: { asyncDelayMs: null },
    workflows: [
      {
        name: 'CI',
        file: 'ci.yml',
        on: ['push', 'pull_request', 'workflow_dispatch', 'repository_dispatch'],
        checks: ['build'],
        run: 'mkdir -p coverage && printf "TN:\\nend_of_record\\n" > coverage/lcov.info',
        artifacts: [{ name: 'coverage', paths: ['coverage/lcov.info'] }],
      },
    ],
  });
  const repo = '/repos/acme/shop';
  await call('GET', repo);
  // Repository settings are the administrator's.
  await call('PATCH', repo, { delete_branch_on_merge: false }, 'ghp_alice');
  const main = await call('GET', `${repo}/git/ref/heads/main`);
  const base = main.body.object.sha as string;
  await call('GET', `${repo}/git/trees/${base}?recursive=1`);
  await call('POST', `${repo}/git/refs`, { ref: 'refs/heads/ai-feature/issue-1', sha: base });
  await call('GET', `${repo}/git/matching-refs/heads/ai-feature`);
  // A commit on the branch, made through GraphQL like the worker's API path.
  await client(twin).graphql(
    `mutation($input: CreateCommitOnBranchInput!) { createCommitOnBranch(input: $input) { commit { oid } } }`,
    {
      input: {
        branch: { repositoryNameWithOwner: 'acme/shop', branchName: 'ai-feature/issue-1' },
        expectedHeadOid: base,
        message: { headline: 'Add tax' },
        fileChanges: {
          additions: [
            {
              path: 'src/tax.ts',
              contents: Buffer.from('export const tax = 0.2;\n').toString('base64'),
            },
          ],
        },
      },
    },
  );
  const head = (await call('GET', `${repo}/git/ref/heads/ai-feature/issue-1`)).body.object
    .sha as string;
  await call('PATCH', `${repo}/git/refs/heads/ai-feature/issue-1`, { sha: head, force: false });
  await call('GET', `${repo}/git/commits/${head}`);
  await call('GET', `${repo}/collaborators/alice/permission`);
  await call('GET', `${repo}/labels`);
  await call('POST', `${repo}/labels`, { name: 'ai-in-progress', color: 'fbca04' });
  await call('GET', `${repo}/issues?labels=ai-ready&per_page=100`);
  const created = await call('POST', `${repo}/issues`, {
    title: 'AI Scrum Master — coordination',
    body: 'ledger',
    labels: ['ai-in-progress'],
  });
  await call('GET', `${repo}/issues/1`);
  await call('PATCH', `${repo}/issues/${created.body.number}`, { body: 'dashboard' });
  const comment = await call('POST', `${repo}/issues/1/comments`, { body: 'claim' });
  await call('GET', `${repo}/issues/1/comments?per_page=100`);
  await call('GET', `${repo}/issues/comments/${comment.body.id}`);
  await call('PATCH', `${repo}/issues/comments/${comment.body.id}`, { body: 'claim, edited' });
  const scratch = await call('POST', `${repo}/issues/1/comments`, { body: 'scratch' });
  await call('DELETE', `${repo}/issues/comments/${scratch.body.id}`);
  await call('PATCH', `${repo}/issues/3`, { state: 'closed', state_reason: 'not_planned' });
  await call('PATCH', `${repo}/issues/3`, { state: 'open' });
  await call('PUT', `${repo}/issues/3/lock`, { lock_reason: 'resolved' });
  await call('GET', `${repo}/issues/3`);
  await call('DELETE', `${repo}/issues/3/lock`);
  await call('GET', `${repo}/issues/3/timeline`);
  await call('POST', `${repo}/issues/1/labels`, { labels: ['ai-in-progress'] });
  await call('GET', `${repo}/issues/1/timeline`);
  await call('DELETE', `${repo}/issues/1/labels/ai-in-progress`);
  await call('GET', `${repo}/issues/1/dependencies/blocked_by`);
  await call('GET', `${repo}/issues/2/dependencies/blocking`);
  const three = await call('GET', `${repo}/issues/3`);
  await call('POST', `${repo}/issues/2/dependencies/blocked_by`, { issue_id: three.body.id });
  await call('DELETE', `${repo}/issues/2/dependencies/blocked_by/${three.body.id}`);
  await call('GET', `${repo}/issues/1/sub_issues`);
  await call('POST', `${repo}/issues/2/sub_issues`, {
    sub_issue_id: three.body.id,
    replace_parent: true,
  });
  const pull = await call('POST', `${repo}/pulls`, {
    title: 'Add tax',
    head: 'ai-feature/issue-1',
    base: 'main',
    body: 'Closes #1',
  });
  await call('GET', `${repo}/pulls?state=open`);
  await call('GET', `${repo}/pulls/${pull.body.number}`);
  await call('PATCH', `${repo}/pulls/${pull.body.number}`, { body: 'Closes #1\n\nepoch 1' });
  await call('GET', `${repo}/pulls/${pull.body.number}/files`);
  await call(
    'POST',
    `${repo}/pulls/${pull.body.number}/reviews`,
    { event: 'APPROVE', body: 'ok' },
    'ghp_alice',
  );
  await call('GET', `${repo}/pulls/${pull.body.number}/reviews`);
  await call('POST', `${repo}/statuses/${head}`, { state: 'pending', context: 'coverage' });
  await call('GET', `${repo}/commits/${head}/status`);
  await call('POST', `${repo}/check-runs`, {
    name: 'test',
    head_sha: head,
    status: 'completed',
    conclusion: 'success',
  });
  await call('GET', `${repo}/commits/${head}/check-runs`);
  // A commit on main, so the pull request is behind and can be updated: by the administrator,
  // whom the branch protection does not bind.
  await client(twin, 'ghp_alice').graphql(
    `mutation($input: CreateCommitOnBranchInput!) { createCommitOnBranch(input: $input) { commit { oid } } }`,
    {
      input: {
        branch: { repositoryNameWithOwner: 'acme/shop', branchName: 'main' },
        expectedHeadOid: base,
        message: { headline: 'Docs' },
        fileChanges: {
          additions: [
            { path: 'docs/notes.md', contents: Buffer.from('notes\n').toString('base64') },
          ],
        },
      },
    },
  );
  await call('PUT', `${repo}/pulls/${pull.body.number}/update-branch`, {});
  await twin.state.tick();
  const updated = await call('GET', `${repo}/pulls/${pull.body.number}`);
  await call('POST', `${repo}/check-runs`, {
    name: 'test',
    head_sha: updated.body.head.sha,
    conclusion: 'success',
  });
  await call('PUT', `${repo}/pulls/${pull.body.number}/merge`, {
    merge_method: 'squash',
    sha: updated.body.head.sha,
  });
  await call('DELETE', `${repo}/git/refs/heads/ai-feature/issue-1`);
  // The Actions app's own token may start workflows by workflow_dispatch and repository_dispatch.
  await call('POST', `${repo}/actions/workflows/ci.yml/dispatches`, { ref: 'main' });
  await call('POST', `${repo}/dispatches`, { event_type: 'deploy' });
  await twin.state.tick();
  const runs = await call('GET', `${repo}/actions/runs`);
  await call('GET', `${repo}/actions/runs/1`);
  const ci = (runs.body.workflow_runs as { id: number; event: string }[]).find(
    (run) => run.event === 'workflow_dispatch',
  )!;
  await call('GET', `${repo}/actions/runs/${ci.id}`);
  await call('GET', `${repo}/actions/runs/${ci.id}/artifacts`);
  const artifacts = await call('GET', `${repo}/actions/artifacts?name=coverage`);
  await call('GET', `${repo}/actions/artifacts/${artifacts.body.artifacts[0].id}/zip`);
  await call('GET', `${repo}/commits/main/check-runs`);
  // Documented error answers are part of the contract too.
  await call('POST', `${repo}/git/refs`, { ref: 'refs/heads/main', sha: base });
  await call('GET', `${repo}/git/ref/heads/nothing`);
});

afterAll(async () => {
  await twin.stop();
});

describe('the twin’s REST routes', () => {
  it.each(REST_ROUTES.map((route) => [`${route.method} ${route.template}`]))(
    '%s exists in api.github.com.json',
    (route) => {
      expect(routeProblem(route)).toBeUndefined();
    },
  );

  it('serve every route the toolkit calls', () => {
    const served = new Set(REST_ROUTES.map((route) => `${route.method} ${route.template}`));
    expect(Object.values(ROUTES).filter((route) => !served.has(route))).toEqual([]);
  });

  it('were all exercised by the scenario, with the expected successes', () => {
    const exercised = new Set(seen.map((answer) => `${answer.method} ${answer.template}`));
    const missing = REST_ROUTES.map((route) => `${route.method} ${route.template}`).filter(
      (route) => !exercised.has(route),
    );
    expect(missing).toEqual([]);
    const failures = seen
      .filter((answer) => answer.status >= 400)
      .map((a) => `${a.method} ${a.template} ${a.status}`);
    expect(failures).toEqual([
      'POST /repos/{owner}/{repo}/git/refs 422',
      'GET /repos/{owner}/{repo}/git/ref/{ref} 404',
    ]);
  });

  it('answer with bodies that validate against GitHub’s OpenAPI schemas', () => {
    const problems = seen.flatMap((answer) =>
      responseProblems(answer.method, answer.template, answer.status, answer.body).map(
        (problem) => `${answer.method} ${answer.template} ${answer.status}: ${problem}`,
      ),
    );
    expect(problems).toEqual([]);
  });

  it('the validation itself rejects a wrong body', () => {
    const issue = seen.find(
      (answer) =>
        answer.template === '/repos/{owner}/{repo}/issues/{issue_number}' &&
        answer.method === 'GET',
    )!;
    const broken: Record<string, unknown> = {
      ...(issue.body as Record<string, unknown>),
      number: 'one',
    };
    delete broken['user'];
    expect(responseProblems('GET', issue.template, 200, broken)).toEqual([
      expect.stringContaining("must have required property 'user'"),
      expect.stringContaining('/number must be integer'),
    ]);
  });
});
