import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parseFixture, startTwin, type FixtureInput, type Twin } from '../../src/twin/index.js';
import { graphqlSchemaErrors, responseProblems } from '../support/contracts.js';
import { client, shopFixture } from '../support/twin.js';

/** Pull requests declared in the fixture, from a branch of the repository or from a fork. */

let twin: Twin;
const repo = '/repos/acme/shop';
const PULL = '/repos/{owner}/{repo}/pulls/{pull_number}';
const PULLS = '/repos/{owner}/{repo}/pulls';

function fixture(): FixtureInput {
  const input = shopFixture();
  input.users!.push({ login: 'eve', permission: 'read' });
  input.tokens!['ghp_eve'] = 'eve';
  input.pullRequests = [
    {
      number: 10,
      title: 'Fix the readme',
      body: 'From my fork',
      author: 'eve',
      createdAt: '2026-11-05T00:00:00Z',
      head: 'patch-1',
      headRepository: { owner: 'eve' },
      files: { 'README.md': '# Shop\n' },
      labels: [{ name: 'ai-ready', by: 'alice', at: '2026-11-06T00:00:00Z' }],
      comments: [{ author: 'alice', body: 'thanks', at: '2026-11-06T01:00:00Z' }],
    },
    {
      number: 11,
      title: 'Add x',
      author: 'alice',
      createdAt: '2026-11-05T00:00:00Z',
      head: 'feature-x',
      files: { 'src/x.ts': 'export const x = 1;\n' },
    },
  ];
  return input;
}

beforeAll(async () => {
  twin = await startTwin(fixture());
});
afterAll(async () => {
  await twin.stop();
});

async function rest(method: string, path: string, template: string, body?: unknown) {
  const answer = await client(twin).request(method, path, body);
  expect(responseProblems(method, template, answer.status, answer.body)).toEqual([]);
  return answer;
}

const PULL_QUERY = /* GraphQL */ `
  query Pull($number: Int!) {
    repository(owner: "acme", name: "shop") {
      pullRequest(number: $number) {
        number
        isCrossRepository
        headRefName
        headRefOid
        author {
          __typename
          login
        }
        headRepositoryOwner {
          __typename
          login
        }
        headRepository {
          nameWithOwner
          isFork
        }
        baseRepository {
          nameWithOwner
        }
        comments(first: 5) {
          totalCount
        }
        timelineItems(first: 10, itemTypes: [LABELED_EVENT]) {
          nodes {
            __typename
            ... on LabeledEvent {
              createdAt
              actor {
                __typename
                login
              }
              label {
                name
              }
            }
          }
        }
      }
    }
  }
`;

async function pull(number: number) {
  expect(graphqlSchemaErrors(PULL_QUERY)).toEqual([]);
  return (await client(twin).graphql(PULL_QUERY, { number })).body.data.repository.pullRequest;
}

describe('a pull request from a fork', () => {
  it('names the fork in REST: head.repo.fork, full_name, head.label owner:branch', async () => {
    const answer = await rest('GET', `${repo}/pulls/10`, PULL);
    expect(answer.body.head).toMatchObject({
      label: 'eve:patch-1',
      ref: 'patch-1',
      user: { login: 'eve' },
      repo: { fork: true, full_name: 'eve/shop', owner: { login: 'eve' } },
    });
    expect(answer.body.base).toMatchObject({
      label: 'acme:main',
      repo: { fork: false, full_name: 'acme/shop' },
    });
    expect(answer.body.head.repo.id).not.toBe(answer.body.base.repo.id);
    const ref = (await client(twin).request('GET', `${repo}/git/matching-refs/pull/10/head`)).body;
    expect(ref.map((r: { object: { sha: string } }) => r.object.sha)).toEqual([
      answer.body.head.sha,
    ]);
    expect(answer.body).toMatchObject({ mergeable: true, user: { login: 'eve' } });
  });

  it('names the fork in GraphQL: isCrossRepository, headRepositoryOwner, headRepository', async () => {
    const found = await pull(10);
    expect(found).toMatchObject({
      isCrossRepository: true,
      headRefName: 'patch-1',
      author: { __typename: 'User', login: 'eve' },
      headRepositoryOwner: { __typename: 'User', login: 'eve' },
      headRepository: { nameWithOwner: 'eve/shop', isFork: true },
      baseRepository: { nameWithOwner: 'acme/shop' },
      comments: { totalCount: 1 },
      timelineItems: {
        nodes: [
          {
            __typename: 'LabeledEvent',
            createdAt: '2026-11-06T00:00:00Z',
            actor: { __typename: 'User', login: 'alice' },
            label: { name: 'ai-ready' },
          },
        ],
      },
    });
  });

  it('filters REST listings by owner:branch, and ignores a bare branch name', async () => {
    const numbers = async (query: string) =>
      (await rest('GET', `${repo}/pulls?${query}`, PULLS)).body.map(
        (p: { number: number }) => p.number,
      );
    expect(await numbers('head=eve:patch-1')).toEqual([10]);
    expect(await numbers('head=acme:patch-1')).toEqual([]);
    expect(await numbers('head=acme:feature-x')).toEqual([11]);
    expect(await numbers('head=patch-1')).toEqual([11, 10]);
  });

  it('merges like any other, and names the fork in the merge commit', async () => {
    const twinOwn = await startTwin(fixture());
    try {
      const api = client(twinOwn);
      const head = (await api.request('GET', `${repo}/pulls/10`)).body.head.sha;
      await api.request('POST', `${repo}/check-runs`, {
        name: 'test',
        head_sha: head,
        conclusion: 'success',
      });
      const merged = await api.request('PUT', `${repo}/pulls/10/merge`, { sha: head });
      expect(merged.body).toMatchObject({ merged: true });
      const commit = await api.request('GET', `${repo}/git/commits/${merged.body.sha}`);
      expect(commit.body.message).toMatch(/^Merge pull request #10 from eve\/patch-1/);
      const update = await api.request('PUT', `${repo}/pulls/11/update-branch`, {});
      expect(update.status).toBe(202);
    } finally {
      await twinOwn.stop();
    }
  });

  it('refuses to update a fork’s branch, saying the twin does not model it', async () => {
    const answer = await client(twin).request('PUT', `${repo}/pulls/10/update-branch`, {});
    expect([answer.status, answer.body.message]).toEqual([
      422,
      'The twin does not model updating the branch of a pull request from a fork.',
    ]);
  });
});

describe('a pull request from a branch of the repository', () => {
  it('has its head branch, and is not cross-repository', async () => {
    const answer = await rest('GET', `${repo}/pulls/11`, PULL);
    expect(answer.body.head).toMatchObject({
      label: 'acme:feature-x',
      repo: { fork: false, full_name: 'acme/shop' },
    });
    const branch = await client(twin).request('GET', `${repo}/git/ref/heads/feature-x`);
    expect(branch.body.object.sha).toBe(answer.body.head.sha);
    const files = await client(twin).request('GET', `${repo}/pulls/11/files`);
    expect(files.body.map((f: { filename: string }) => f.filename)).toEqual(['src/x.ts']);
    expect(await pull(11)).toMatchObject({
      isCrossRepository: false,
      headRepositoryOwner: { login: 'acme' },
      headRepository: { nameWithOwner: 'acme/shop', isFork: false },
    });
  });

  it('records labels added later with their actor, as issues do', async () => {
    await client(twin, 'ghp_alice').request('POST', `${repo}/issues/11/labels`, {
      labels: ['priority:high'],
    });
    const events = (await pull(11)).timelineItems.nodes;
    expect(events.map((e: any) => [e.actor.login, e.label.name])).toEqual([
      ['alice', 'priority:high'],
    ]);
  });
});

describe('fixture pull requests', () => {
  it.each([
    [
      (f: FixtureInput) => (f.pullRequests![0]!.number = 1),
      'fixture.pullRequests[0].number: duplicate issue or pull request number 1',
    ],
    [
      (f: FixtureInput) => (f.pullRequests![0]!.headRepository = { owner: 'acme' }),
      'fixture.pullRequests[0].headRepository: a fork belongs to another owner',
    ],
    [
      (f: FixtureInput) => (f.pullRequests![1]!.base = 'develop'),
      "fixture.pullRequests[1].base: a fixture creates only the default branch 'main'",
    ],
    [
      (f: FixtureInput) => (f.pullRequests![1]!.head = 'main'),
      "fixture.pullRequests[1].head: branch 'main' is already taken",
    ],
    [
      (f: FixtureInput) => (f.pullRequests![0]!.headRepository = { owner: 'zed' }),
      "fixture.pullRequests[0].headRepository.owner: unknown user 'zed'",
    ],
  ])('names the problem: %#', (mutate, expected) => {
    const input = fixture();
    mutate(input);
    expect(() => parseFixture(input)).toThrow(expected);
  });
});
