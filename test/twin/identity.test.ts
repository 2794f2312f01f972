import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parseFixture, startTwin, type Twin } from '../../src/twin/index.js';
import { graphqlSchemaErrors, responseProblems } from '../support/contracts.js';
import { client, shopFixture } from '../support/twin.js';

/**
 * A user and an app that share a name are two identities: REST tells them apart by the app's
 * `[bot]` suffix and `type`, GraphQL by `__typename` (both logins read `my-app` there). Issue
 * listings filter by creator with the REST form of the login.
 */

let twin: Twin;
const repo = '/repos/acme/shop';
const ISSUE = '/repos/{owner}/{repo}/issues/{issue_number}';
const at = (day: number) => `2026-11-${String(day).padStart(2, '0')}T00:00:00Z`;

beforeAll(async () => {
  const fixture = shopFixture();
  fixture.users!.push(
    { login: 'my-app', permission: 'read' },
    { login: 'my-app[bot]', permission: 'write' },
  );
  Object.assign(fixture.tokens!, { ghp_myapp: 'my-app', ghs_myapp: 'my-app[bot]' });
  fixture.issues!.push(
    { number: 4, title: 'By the user', author: 'my-app', createdAt: at(4) },
    { number: 5, title: 'By the app', author: 'my-app[bot]', createdAt: at(5) },
    {
      number: 6,
      title: 'By the app, closed',
      author: 'my-app[bot]',
      createdAt: at(6),
      state: 'closed',
    },
    ...[7, 8, 9, 10].map((number) => ({
      number,
      title: `By the app ${number}`,
      author: 'my-app[bot]',
      createdAt: at(number),
      labels: number % 2 === 0 ? [{ name: 'ai-ready', by: 'alice', at: at(number) }] : [],
    })),
  );
  twin = await startTwin(fixture);
});
afterAll(async () => {
  await twin.stop();
});

async function gql(token: string, document: string, variables: Record<string, unknown> = {}) {
  expect(graphqlSchemaErrors(document)).toEqual([]);
  return (await client(twin, token).graphql(document, variables)).body;
}

describe('a user and an app with the same name', () => {
  it('are a User `my-app` and a Bot `my-app[bot]` in REST, with their own ids', async () => {
    const api = client(twin);
    const user = await api.request('GET', `${repo}/issues/4`);
    const app = await api.request('GET', `${repo}/issues/5`);
    for (const answer of [user, app])
      expect(responseProblems('GET', ISSUE, answer.status, answer.body)).toEqual([]);
    expect(user.body.user).toMatchObject({ login: 'my-app', type: 'User' });
    expect(app.body.user).toMatchObject({ login: 'my-app[bot]', type: 'Bot' });
    expect(app.body.user.html_url).toMatch(/\/apps\/my-app$/);
    expect(user.body.user.id).not.toBe(app.body.user.id);
    expect(user.body.user.node_id).not.toBe(app.body.user.node_id);
  });

  it('are a User and a Bot, both `my-app`, in GraphQL', async () => {
    const AUTHORS = /* GraphQL */ `
      query Authors {
        repository(owner: "acme", name: "shop") {
          user: issue(number: 4) {
            author {
              __typename
              login
              resourcePath
            }
          }
          app: issue(number: 5) {
            author {
              __typename
              login
              resourcePath
            }
          }
        }
      }
    `;
    expect((await gql('ghs_bot', AUTHORS)).data.repository).toEqual({
      user: { author: { __typename: 'User', login: 'my-app', resourcePath: '/my-app' } },
      app: { author: { __typename: 'Bot', login: 'my-app', resourcePath: '/apps/my-app' } },
    });
  });

  it('each have their own token, identity and permission', async () => {
    const VIEWER = /* GraphQL */ `
      query Viewer {
        viewer {
          __typename
          login
        }
      }
    `;
    expect((await gql('ghp_myapp', VIEWER)).data.viewer).toEqual({
      __typename: 'User',
      login: 'my-app',
    });
    // viewer is typed User; for an app GitHub answers its bot user with the REST login.
    expect((await gql('ghs_myapp', VIEWER)).data.viewer).toEqual({
      __typename: 'User',
      login: 'my-app[bot]',
    });
    const byUser = await client(twin, 'ghp_myapp').request('POST', `${repo}/issues/2/comments`, {
      body: 'user',
    });
    const byApp = await client(twin, 'ghs_myapp').request('POST', `${repo}/issues/2/comments`, {
      body: 'app',
    });
    expect([byUser.body.user.login, byUser.body.user.type]).toEqual(['my-app', 'User']);
    expect([byApp.body.user.login, byApp.body.user.type]).toEqual(['my-app[bot]', 'Bot']);
    // The user may only read; the app may write.
    expect(
      (
        await client(twin, 'ghp_myapp').request('POST', `${repo}/issues/2/labels`, {
          labels: ['ai-ready'],
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await client(twin, 'ghs_myapp').request('POST', `${repo}/issues/2/labels`, {
          labels: ['ai-ready'],
        })
      ).status,
    ).toBe(200);
    // An app can edit and delete its own comment; the same-named user cannot touch it.
    expect(
      (
        await client(twin, 'ghp_myapp').request(
          'PATCH',
          `${repo}/issues/comments/${byApp.body.id}`,
          {
            body: 'forged',
          },
        )
      ).status,
    ).toBe(403);
    expect(
      (
        await client(twin, 'ghs_myapp').request(
          'DELETE',
          `${repo}/issues/comments/${byApp.body.id}`,
        )
      ).status,
    ).toBe(204);
  });

  it('must be listed by their REST logins in a fixture', () => {
    const fixture = shopFixture();
    fixture.users!.push({ login: 'my-app', permission: 'write', type: 'Bot' });
    expect(() => parseFixture(fixture)).toThrow(
      "fixture.users[2].login: a Bot is listed by its REST login, 'my-app[bot]'",
    );
    const other = shopFixture();
    other.users!.push({ login: 'my-app[bot]', permission: 'write', type: 'User' });
    expect(() => parseFixture(other)).toThrow("'my-app[bot]' is an app's login (type Bot)");
  });
});

describe('issues created by someone', () => {
  const BY = /* GraphQL */ `
    query By($login: String!, $after: String, $labels: [String!], $since: DateTime) {
      repository(owner: "acme", name: "shop") {
        issues(
          first: 2
          after: $after
          states: [OPEN, CLOSED]
          orderBy: { field: CREATED_AT, direction: DESC }
          filterBy: { createdBy: $login, labels: $labels, since: $since }
        ) {
          totalCount
          pageInfo {
            hasNextPage
            endCursor
          }
          nodes {
            number
            state
            author {
              __typename
              login
            }
          }
        }
      }
    }
  `;

  async function all(login: string, extra: Record<string, unknown> = {}) {
    const numbers: number[] = [];
    let after: string | null = null;
    for (;;) {
      const page: any = (await gql('ghs_bot', BY, { login, after, ...extra })).data.repository
        .issues;
      numbers.push(...page.nodes.map((n: { number: number }) => n.number));
      if (!page.pageInfo.hasNextPage) return { numbers, totalCount: page.totalCount };
      after = page.pageInfo.endCursor;
    }
  }

  it('GraphQL filterBy.createdBy takes the REST login: `my-app[bot]` is the app, `my-app` the user', async () => {
    expect(await all('my-app[bot]')).toEqual({ numbers: [10, 9, 8, 7, 6, 5], totalCount: 6 });
    expect(await all('my-app')).toEqual({ numbers: [4], totalCount: 1 });
    expect(await all('MY-APP[BOT]')).toEqual({ numbers: [10, 9, 8, 7, 6, 5], totalCount: 6 });
    const first = (await gql('ghs_bot', BY, { login: 'my-app[bot]' })).data.repository.issues;
    expect(first.nodes[0].author).toEqual({ __typename: 'Bot', login: 'my-app' });
    expect(first.pageInfo.hasNextPage).toBe(true);
  });

  it('combines createdBy with labels and since', async () => {
    expect(await all('my-app[bot]', { labels: ['ai-ready'] })).toEqual({
      numbers: [10, 8],
      totalCount: 2,
    });
    expect(await all('my-app[bot]', { since: at(9) })).toEqual({ numbers: [10, 9], totalCount: 2 });
  });

  it('filters on states inside filterBy too, and names the filters it does not implement', async () => {
    const OPEN = /* GraphQL */ `
      query Open {
        repository(owner: "acme", name: "shop") {
          issues(first: 10, filterBy: { createdBy: "my-app[bot]", states: [CLOSED] }) {
            nodes {
              number
            }
          }
        }
      }
    `;
    expect((await gql('ghs_bot', OPEN)).data.repository.issues.nodes).toEqual([{ number: 6 }]);
    const ASSIGNED = /* GraphQL */ `
      query Assigned {
        repository(owner: "acme", name: "shop") {
          issues(first: 10, filterBy: { assignee: "alice" }) {
            totalCount
          }
        }
      }
    `;
    expect((await gql('ghs_bot', ASSIGNED)).errors[0].message).toBe(
      'The twin does not implement IssueFilters.assignee',
    );
  });

  it('REST `creator` follows the same rule', async () => {
    const api = client(twin);
    const list = async (query: string) => {
      const answer = await api.request('GET', `${repo}/issues?${query}`);
      expect(
        responseProblems('GET', '/repos/{owner}/{repo}/issues', answer.status, answer.body),
      ).toEqual([]);
      return answer.body.map((i: { number: number }) => i.number);
    };
    expect(await list('creator=my-app%5Bbot%5D&state=all')).toEqual([10, 9, 8, 7, 6, 5]);
    expect(await list('creator=my-app[bot]')).toEqual([10, 9, 8, 7, 5]);
    expect(await list('creator=my-app&state=all')).toEqual([4]);
    expect(await list('creator=my-app[bot]&state=all&per_page=2&page=3&direction=asc')).toEqual([
      9, 10,
    ]);
  });
});
