import { afterEach, describe, expect, it } from '@jest/globals';
import { createGitHubClient } from '../../src/github/client.js';
import { VIEWER_QUERY } from '../../src/github/graphql.js';
import { ROUTES } from '../../src/github/routes.js';
import { RecordingLogger } from '../../src/logger.js';
import { FaultInjector, routePattern } from '../../src/twin/faults.js';
import { seededRandom, startTwin, type Twin } from '../../src/twin/index.js';
import { client, shopFixture } from '../support/twin.js';

let twin: Twin | undefined;
afterEach(async () => {
  await twin?.stop();
  twin = undefined;
});

const repo = '/repos/acme/shop';

async function withFixture(change: (fixture: any) => void): Promise<Twin> {
  const fixture = shopFixture();
  change(fixture);
  twin = await startTwin(fixture);
  return twin;
}

describe('primary rate limits', () => {
  it('counts REST requests per token and refuses past the limit with GitHub’s headers', async () => {
    const t = await withFixture((f) => (f.limits = { restPerHour: 2 }));
    const api = client(t);
    const first = await api.request('GET', `${repo}/issues/1`);
    expect(first.headers.get('x-ratelimit-remaining')).toBe('1');
    await api.request('GET', `${repo}/issues/1`);
    const refused = await api.request('GET', `${repo}/issues/1`);
    expect(refused.status).toBe(403);
    expect(refused.body.message).toMatch(/^API rate limit exceeded for user ID \d+\./);
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(Number(refused.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
    expect((await client(t, 'ghp_alice').request('GET', `${repo}/issues/1`)).status).toBe(200);
  });

  it('prices GraphQL separately and answers RATE_LIMITED with a 200', async () => {
    const t = await withFixture((f) => (f.limits = { graphqlPointsPerHour: 1 }));
    const api = client(t);
    expect((await api.graphql(VIEWER_QUERY)).body.data.viewer.login).toBe('github-actions[bot]');
    const refused = await api.graphql(VIEWER_QUERY);
    expect(refused.status).toBe(200);
    expect(refused.body.errors[0]).toMatchObject({ type: 'RATE_LIMITED' });
    expect(refused.headers.get('x-ratelimit-resource')).toBe('graphql');
    expect((await api.request('GET', `${repo}/issues/1`)).status).toBe(200);
  });

  it('can be switched off', async () => {
    const t = await withFixture((f) => (f.limits = { enabled: false, restPerHour: 1 }));
    const api = client(t);
    for (let i = 0; i < 3; i++)
      expect((await api.request('GET', `${repo}/issues/1`)).status).toBe(200);
  });
});

describe('secondary rate limit on content creation', () => {
  it('answers 403 with retry-after and GitHub’s message past the per-minute budget', async () => {
    const t = await withFixture((f) => (f.limits = { contentPerMinute: 2 }));
    const api = client(t);
    expect((await api.request('POST', `${repo}/issues/1/comments`, { body: 'a' })).status).toBe(
      201,
    );
    expect((await api.request('POST', `${repo}/issues/1/comments`, { body: 'b' })).status).toBe(
      201,
    );
    const refused = await api.request('POST', `${repo}/issues/1/comments`, { body: 'c' });
    expect(refused.status).toBe(403);
    expect(refused.body.message).toBe(
      'You have exceeded a secondary rate limit and have been temporarily blocked from content creation. Please retry your request again later.',
    );
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(t.stats()).toMatchObject({ contentCreating: 2, rateLimited: 1 });
    expect(t.state.comments.filter((c) => c.body === 'c')).toEqual([]);
  });

  it('applies the hourly budget too, and can be switched off', async () => {
    let t = await withFixture((f) => (f.limits = { contentPerHour: 1 }));
    await client(t).request('POST', `${repo}/issues/1/comments`, { body: 'a' });
    expect(
      (await client(t).request('POST', `${repo}/issues/1/comments`, { body: 'b' })).status,
    ).toBe(403);
    await t.stop();
    t = await withFixture((f) => (f.limits = { contentPerMinute: 1, secondaryEnabled: false }));
    await client(t).request('POST', `${repo}/issues/1/comments`, { body: 'a' });
    expect(
      (await client(t).request('POST', `${repo}/issues/1/comments`, { body: 'b' })).status,
    ).toBe(201);
  });
});

describe('fault injection', () => {
  it('matches routes with * and nothing else', () => {
    expect(
      routePattern('GET /repos/{owner}/{repo}/issues*').test(
        'GET /repos/{owner}/{repo}/issues/{issue_number}',
      ),
    ).toBe(true);
    expect(routePattern('POST *').test('GET /graphql')).toBe(false);
    expect(routePattern('* /graphql').test('POST /graphql')).toBe(true);
  });

  it('is reproducible from a seed', () => {
    const rules = [{ route: '*', probability: 0.3, kind: 'status' as const, status: 502 as const }];
    const run = () => {
      const injector = new FaultInjector({ seed: 7, rules });
      return Array.from({ length: 50 }, () => injector.decide('GET /x').length);
    };
    expect(run()).toEqual(run());
    expect(run().filter(Boolean).length).toBeGreaterThan(5);
    expect(seededRandom(1)()).not.toBe(seededRandom(2)());
  });

  it('answers 5xx, adds latency and can be changed at run time', async () => {
    const t = await withFixture(
      (f) =>
        (f.faults = { rules: [{ route: 'GET *', probability: 1, kind: 'status', status: 503 }] }),
    );
    expect((await client(t).request('GET', `${repo}/issues/1`)).status).toBe(503);
    await fetch(`${t.urls.api}/_twin/faults`, {
      method: 'POST',
      body: JSON.stringify({
        rules: [{ route: 'GET *', probability: 1, kind: 'latency', ms: 50 }],
      }),
    });
    const started = Date.now();
    expect((await client(t).request('GET', `${repo}/issues/1`)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    const bad = await fetch(`${t.urls.api}/_twin/faults`, {
      method: 'POST',
      body: JSON.stringify({ rules: [{ route: 1 }] }),
    });
    expect(bad.status).toBe(400);
    expect(t.stats().faultsInjected).toBe(2);
  });
});

describe('faults that apply a write and lose its answer', () => {
  const rule = (kind: string, extra: Record<string, unknown> = {}) => ({
    route: 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
    probability: 1,
    kind,
    ...extra,
  });

  it('applied-status: the comment is created, the client sees the 5xx', async () => {
    const t = await withFixture(
      (f) => (f.faults = { rules: [rule('applied-status', { status: 502 })] }),
    );
    const answer = await client(t).request('POST', `${repo}/issues/1/comments`, { body: 'lost' });
    expect([answer.status, answer.body]).toEqual([502, { message: 'Server Error', status: '502' }]);
    expect(t.state.comments.filter((c) => c.body === 'lost')).toHaveLength(1);
    const listed = await client(t).request('GET', `${repo}/issues/1/comments`);
    expect(listed.body.map((c: { body: string }) => c.body)).toContain('lost');
    expect(t.stats()).toMatchObject({ faultsInjected: 1, contentCreating: 1 });
  });

  it('applied-drop: the client gets a socket error, the comment exists', async () => {
    const t = await withFixture((f) => (f.faults = { rules: [rule('applied-drop')] }));
    await expect(
      client(t).request('POST', `${repo}/issues/1/comments`, { body: 'dropped' }),
    ).rejects.toThrow(/fetch failed/);
    expect(t.state.comments.filter((c) => c.body === 'dropped')).toHaveLength(1);
    // The connection is gone, the twin is not: the next request is answered.
    expect((await client(t).request('GET', `${repo}/issues/1`)).status).toBe(200);
  });

  it('applies GraphQL mutations too, and is configured at run time with the same seed', async () => {
    const t = await withFixture(() => undefined);
    const configured = await fetch(`${t.urls.api}/_twin/faults`, {
      method: 'POST',
      body: JSON.stringify({
        seed: 5,
        rules: [{ route: 'POST /graphql', probability: 1, kind: 'applied-status', status: 504 }],
      }),
    });
    expect(configured.status).toBe(200);
    const id = t.state.item(2).nodeId;
    const answer = await client(t).graphql(
      `mutation { addComment(input: { subjectId: "${id}", body: "gql" }) { clientMutationId } }`,
    );
    expect(answer.status).toBe(504);
    expect(t.state.comments.filter((c) => c.body === 'gql' && c.issue === 2)).toHaveLength(1);
  });

  it('draws from the seeded generator like the other kinds', () => {
    const rules = [{ route: '*', probability: 0.4, kind: 'applied-drop' as const }];
    const run = () => {
      const injector = new FaultInjector({ seed: 11, rules });
      return Array.from({ length: 40 }, () => injector.decide('POST /x').map((d) => d.kind));
    };
    expect(run()).toEqual(run());
    expect(run().flat()).toContain('applied-drop');
    expect(run().filter((d) => d.length === 0).length).toBeGreaterThan(5);
  });

  it('refuses an applied-status rule without a 5xx status, from the fixture and at run time', async () => {
    const t = await withFixture(() => undefined);
    for (const bad of [rule('applied-status'), rule('applied-status', { status: 429 })]) {
      const answer = await fetch(`${t.urls.api}/_twin/faults`, {
        method: 'POST',
        body: JSON.stringify({ rules: [bad] }),
      });
      expect(answer.status).toBe(400);
    }
  });
});

describe('the toolkit’s GitHub client against the twin', () => {
  function github(t: Twin, logger = new RecordingLogger()) {
    return createGitHubClient({
      token: 'ghs_bot',
      apiUrl: t.urls.api,
      graphqlUrl: t.urls.graphql,
      logger,
      msPerSecond: 1,
      writeIntervalMs: 0,
      requestTimeoutMs: 300,
      maxRetries: 4,
    });
  }

  it('survives injected 5xx answers and answers that never come', async () => {
    const t = await withFixture(
      (f) =>
        (f.faults = {
          seed: 3,
          rules: [
            { route: '*', probability: 0.3, kind: 'status', status: 502 },
            { route: '*', probability: 0.1, kind: 'hang' },
          ],
        }),
    );
    const gh = github(t);
    for (let i = 0; i < 10; i++) {
      const { data } = await gh.rest.request('GET /repos/{owner}/{repo}/issues/{issue_number}', {
        owner: 'acme',
        repo: 'shop',
        issue_number: 1,
      });
      expect(data.number).toBe(1);
      expect((await gh.graphql<{ viewer: { login: string } }>(VIEWER_QUERY)).viewer.login).toBe(
        'github-actions[bot]',
      );
    }
    expect(t.stats().faultsInjected).toBeGreaterThan(3);
  });

  it('creates a comment once per attempt when every answer is lost (why writes must be checked first)', async () => {
    const t = await withFixture(
      (f) =>
        (f.faults = {
          rules: [
            {
              route: 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
              probability: 1,
              kind: 'applied-status',
              status: 502,
            },
          ],
        }),
    );
    await expect(
      github(t).rest.request(ROUTES.createIssueComment, {
        owner: 'acme',
        repo: 'shop',
        issue_number: 1,
        body: 'twice',
      }),
    ).rejects.toMatchObject({ status: 502 });
    const attempts = t.stats().byRoute['POST /repos/{owner}/{repo}/issues/{issue_number}/comments'];
    expect(attempts).toBeGreaterThan(1);
    expect(t.state.comments.filter((c) => c.body === 'twice')).toHaveLength(attempts!);
  });

  it('retries a secondary rate limit within its bound, then gives up having created nothing', async () => {
    const t = await withFixture((f) => (f.limits = { contentPerMinute: 1 }));
    const logger = new RecordingLogger();
    const gh = github(t, logger);
    await gh.rest.request(ROUTES.createIssueComment, {
      owner: 'acme',
      repo: 'shop',
      issue_number: 1,
      body: 'one',
    });
    // The second waits for retry-after (scaled to ms) but the minute has not passed: still refused, then given up.
    await expect(
      gh.rest.request(ROUTES.createIssueComment, {
        owner: 'acme',
        repo: 'shop',
        issue_number: 1,
        body: 'two',
      }),
    ).rejects.toMatchObject({ status: 403 });
    expect(logger.lines.filter((l) => /secondary rate limit/.test(l.message)).length).toBe(3);
    expect(t.state.comments.filter((c) => c.body === 'two')).toEqual([]);
  });
});
