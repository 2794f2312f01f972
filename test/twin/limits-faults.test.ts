import { afterEach, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CONTENT_CREATION_LIMIT } from '../../src/github/api-errors.js';
import { createGitHubClient } from '../../src/github/client.js';
import { VIEWER_QUERY } from '../../src/github/graphql.js';
import { ROUTES } from '../../src/github/routes.js';
import { RecordingLogger } from '../../src/logger.js';
import { FaultInjector, routePattern } from '../../src/twin/faults.js';
import { parseFixture, seededRandom, startTwin, type Twin } from '../../src/twin/index.js';
import { budgetOf, createsContent, RateLimits } from '../../src/twin/limits.js';
import { REST_ROUTES } from '../../src/twin/rest.js';
import { ROOT } from '../support/source.js';
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

/** Sources quoted by the tests below. */
const RATE_LIMITS_DOC =
  'https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api';
const FACTS = '/work/shared/github-facts.md';

/** The shop fixture with a second GITHUB_TOKEN and an app with two installation tokens. */
function withTokens(f: any) {
  f.users.push({ login: 'my-app[bot]', permission: 'write' });
  Object.assign(f.tokens, {
    ghs_bot2: 'github-actions[bot]',
    ghs_app1: 'my-app[bot]',
    ghs_app2: 'my-app[bot]',
  });
}

describe('primary rate limits', () => {
  it(`gives every GITHUB_TOKEN of the repository one REST window of 1,000 an hour (${RATE_LIMITS_DOC}#primary-rate-limit-for-github_token-in-github-actions; ${FACTS}: "Every GITHUB_TOKEN in a repository shares 1,000 REST requests an hour")`, async () => {
    const t = await withFixture(withTokens);
    const first = await client(t).request('GET', `${repo}/issues/1`);
    expect(first.headers.get('x-ratelimit-limit')).toBe('1000');
    expect(first.headers.get('x-ratelimit-remaining')).toBe('999');
    const second = await client(t, 'ghs_bot2').request('GET', `${repo}/issues/1`);
    expect(second.headers.get('x-ratelimit-remaining')).toBe('998');
    // Apps and people keep their own budgets (5,000 by default).
    const alice = await client(t, 'ghp_alice').request('GET', `${repo}/issues/1`);
    expect(alice.headers.get('x-ratelimit-limit')).toBe('5000');
    expect(alice.headers.get('x-ratelimit-remaining')).toBe('4999');
  });

  it(`refuses the shared window past its budget with 403 and x-ratelimit-remaining: 0, for both tokens (${FACTS}: "Primary, REST: 403 or 429 with x-ratelimit-remaining: 0")`, async () => {
    const t = await withFixture((f) => {
      withTokens(f);
      f.limits = { githubTokenPerHour: 2 };
    });
    expect((await client(t).request('GET', `${repo}/issues/1`)).status).toBe(200);
    expect((await client(t, 'ghs_bot2').request('GET', `${repo}/issues/1`)).status).toBe(200);
    for (const token of ['ghs_bot', 'ghs_bot2']) {
      const refused = await client(t, token).request('GET', `${repo}/issues/1`);
      expect(refused.status).toBe(403);
      expect(refused.body.message).toMatch(/^API rate limit exceeded for installation ID \d+\./);
      expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
      expect(Number(refused.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
    }
    expect((await client(t, 'ghp_alice').request('GET', `${repo}/issues/1`)).status).toBe(200);
    expect(t.stats().rateLimited).toBe(2);
  });

  it(`keeps one window per app installation or user, whatever token it uses (${RATE_LIMITS_DOC}#primary-rate-limit-for-authenticated-users: "All of these requests count towards your personal rate limit"; #primary-rate-limit-for-github-app-installations: the limit is the installation's)`, async () => {
    const t = await withFixture((f) => {
      withTokens(f);
      f.tokens.ghp_alice2 = 'alice';
      f.limits = { restPerHour: 1 };
    });
    for (const token of ['ghs_app1', 'ghp_alice', 'ghp_mallory'])
      expect((await client(t, token).request('GET', `${repo}/issues/1`)).status).toBe(200);
    // The app's second token and alice's second token spend the same windows.
    const app = await client(t, 'ghs_app2').request('GET', `${repo}/issues/1`);
    expect([app.status, app.body.message]).toEqual([403, expect.stringMatching(/installation ID/)]);
    const user = await client(t, 'ghp_alice2').request('GET', `${repo}/issues/1`);
    expect([user.status, user.body.message]).toEqual([403, expect.stringMatching(/user ID/)]);
    // The GITHUB_TOKEN's own budget is untouched.
    expect((await client(t).request('GET', `${repo}/issues/1`)).status).toBe(200);
  });

  it(`prices GraphQL separately, in one shared window for GITHUB_TOKENs, and answers RATE_LIMITED with a 200 (${FACTS}: "GraphQL primary: HTTP 200, x-ratelimit-remaining: 0, errors: [{type: RATE_LIMITED}]"; "GITHUB_TOKEN … 1,000 GraphQL points an hour")`, async () => {
    const t = await withFixture((f) => {
      withTokens(f);
      f.limits = { githubTokenPerHour: 1, graphqlPointsPerHour: 1 };
    });
    expect((await client(t).graphql(VIEWER_QUERY)).body.data.viewer.login).toBe(
      'github-actions[bot]',
    );
    const refused = await client(t, 'ghs_bot2').graphql(VIEWER_QUERY);
    expect(refused.status).toBe(200);
    expect(refused.body.errors[0]).toMatchObject({ type: 'RATE_LIMITED' });
    expect(refused.headers.get('x-ratelimit-resource')).toBe('graphql');
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
    // The app has its own GraphQL window; REST is another resource.
    expect((await client(t, 'ghs_app1').graphql(VIEWER_QUERY)).body.data.viewer.login).toBe(
      'my-app[bot]',
    );
    expect((await client(t, 'ghs_app1').graphql(VIEWER_QUERY)).body.errors[0].type).toBe(
      'RATE_LIMITED',
    );
    expect((await client(t).request('GET', `${repo}/issues/1`)).status).toBe(200);
  });

  it(`charges refused requests too, with the x-ratelimit-* headers GitHub sends on every answer (${FACTS}: "Headers on every answer: x-ratelimit-limit, -remaining, -used, -reset")`, async () => {
    const t = await withFixture((f) => (f.limits = { restPerHour: 10 }));
    const alice = client(t, 'ghp_alice');
    const missing = await alice.request('GET', `${repo}/issues/99999`);
    expect([missing.status, missing.headers.get('x-ratelimit-used')]).toEqual([404, '1']);
    const invalid = await alice.request('PATCH', `${repo}/issues/99999`, { title: 'x' });
    expect([invalid.status, invalid.headers.get('x-ratelimit-remaining')]).toEqual([404, '8']);
    const elsewhere = await alice.request('GET', '/repos/acme/other/issues/1');
    expect([elsewhere.status, elsewhere.headers.get('x-ratelimit-used')]).toEqual([404, '3']);
  });

  it('lets only as many concurrent requests through as the window has left', async () => {
    const t = await withFixture((f) => (f.limits = { restPerHour: 3 }));
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => client(t, 'ghp_alice').request('GET', `${repo}/issues/1`)),
    );
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(3);
    expect(answers.filter((answer) => answer.status === 403)).toHaveLength(5);
  });

  it('can be switched off', async () => {
    const t = await withFixture((f) => (f.limits = { enabled: false, githubTokenPerHour: 1 }));
    const api = client(t);
    for (let i = 0; i < 3; i++)
      expect((await api.request('GET', `${repo}/issues/1`)).status).toBe(200);
  });
});

describe('conditional requests', () => {
  it(`answer 304 without a body and without charging the primary limit, x-ratelimit-* still sent (${RATE_LIMITS_DOC}#use-conditional-requests-if-appropriate; ${FACTS}: "Conditional requests with a matching If-None-Match answer 304 and do not count")`, async () => {
    const t = await withFixture((f) => (f.limits = { githubTokenPerHour: 4 }));
    const first = await client(t).request('GET', `${repo}/issues/1`);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^W\/"[0-9a-f]{40}"$/);
    expect(first.headers.get('x-ratelimit-remaining')).toBe('3');
    const conditional = async (tag: string) => {
      const response = await fetch(`${t.urls.api}${repo}/issues/1`, {
        headers: { authorization: 'token ghs_bot', 'if-none-match': tag },
      });
      return { response, text: await response.text() };
    };
    for (let i = 0; i < 5; i++) {
      const { response, text } = await conditional(etag);
      expect([response.status, text]).toEqual([304, '']);
      expect(response.headers.get('etag')).toBe(etag);
      expect(response.headers.get('x-ratelimit-remaining')).toBe('3');
      expect(response.headers.get('x-ratelimit-used')).toBe('1');
      expect(response.headers.get('x-ratelimit-resource')).toBe('core');
    }
    // A changed resource has another ETag: the same condition now answers 200, and is charged.
    await client(t).request('POST', `${repo}/issues/1/comments`, { body: 'new' });
    await client(t).request('PATCH', `${repo}/issues/1`, { title: 'Add VAT' });
    const { response, text } = await conditional(etag);
    expect(response.status).toBe(200);
    expect(JSON.parse(text).title).toBe('Add VAT');
    expect(response.headers.get('etag')).not.toBe(etag);
    expect(response.headers.get('x-ratelimit-remaining')).toBe('0');
  });

  it('answers 304 to a strong form of a weak tag and to *, and 200 to another tag', async () => {
    const t = await withFixture(() => undefined);
    const first = await client(t).request('GET', `${repo}/issues/1/comments`);
    const etag = first.headers.get('etag')!;
    const status = async (tag: string) =>
      (
        await fetch(`${t.urls.api}${repo}/issues/1/comments`, {
          headers: { authorization: 'token ghs_bot', 'if-none-match': tag },
        })
      ).status;
    expect(await status(etag.replace(/^W\//, ''))).toBe(304);
    expect(await status(`"other", ${etag}`)).toBe(304);
    expect(await status('*')).toBe(304);
    expect(await status('W/"other"')).toBe(200);
  });
});

describe('secondary rate limits per minute', () => {
  it(`count REST points a minute per budget, a GET 1 and a POST 5, shared by GITHUB_TOKENs (${RATE_LIMITS_DOC}#calculating-points-for-the-secondary-rate-limit: "No more than 900 points per minute are allowed for REST API endpoints"; ${FACTS}: "secondary limits are about 900 REST requests … a minute and answer 403 or 429 with retry-after")`, async () => {
    const t = await withFixture((f) => {
      withTokens(f);
      f.limits = { restPointsPerMinute: 7 };
    });
    expect((await client(t).request('GET', `${repo}/issues/1`)).status).toBe(200);
    expect(
      (await client(t, 'ghs_bot2').request('POST', `${repo}/issues/1/comments`, { body: 'a' }))
        .status,
    ).toBe(201);
    expect((await client(t).request('GET', `${repo}/issues/1`)).status).toBe(200);
    const refused = await client(t, 'ghs_bot2').request('GET', `${repo}/issues/1`);
    expect(refused.status).toBe(403);
    expect(refused.body.message).toMatch(/\bsecondary rate\b/i);
    expect(refused.body.message).toMatch(/^You have exceeded a secondary rate limit\. /);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    // x-ratelimit-remaining stays non-zero: the primary budget is not the problem.
    expect(Number(refused.headers.get('x-ratelimit-remaining'))).toBeGreaterThan(0);
    // A POST (5 points) does not fit either; apps and people have their own minute.
    expect(
      (await client(t).request('POST', `${repo}/issues/1/comments`, { body: 'b' })).status,
    ).toBe(403);
    expect(t.state.comments.filter((c) => c.body === 'b')).toEqual([]);
    expect((await client(t, 'ghs_app1').request('GET', `${repo}/issues/1`)).status).toBe(200);
  });

  it(`count GraphQL points a minute, a query 1 and a mutation 5 (${RATE_LIMITS_DOC}#calculating-points-for-the-secondary-rate-limit: "no more than 2,000 points per minute are allowed for the GraphQL API endpoint")`, async () => {
    const t = await withFixture((f) => (f.limits = { graphqlPointsPerMinute: 6 }));
    const id = t.state.item(1).nodeId;
    const mutation = `mutation { addComment(input: { subjectId: "${id}", body: "gql" }) { clientMutationId } }`;
    expect((await client(t).graphql(VIEWER_QUERY)).body.data.viewer).toBeDefined();
    expect((await client(t).graphql(mutation)).body.data.addComment).toBeDefined();
    const refused = await client(t).graphql(VIEWER_QUERY);
    expect(refused.status).toBe(403);
    expect((refused.body as { message: string }).message).toMatch(/\bsecondary rate\b/i);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(refused.headers.get('x-ratelimit-resource')).toBe('graphql');
    expect((await client(t, 'ghp_alice').graphql(VIEWER_QUERY)).status).toBe(200);
  });

  it(`answer 429 instead when limits.secondaryStatus says so (${FACTS}: "Secondary: 403 (sometimes 429) with retry-after")`, async () => {
    const t = await withFixture((f) => (f.limits = { contentPerMinute: 1, secondaryStatus: 429 }));
    await client(t).request('POST', `${repo}/issues/1/comments`, { body: 'a' });
    const refused = await client(t).request('POST', `${repo}/issues/1/comments`, { body: 'b' });
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ status: '429', message: ERROR_CONTENT_CREATION_LIMIT });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('counts a pull request merge (PUT …/merge) as content creation, as every POST and GraphQL mutation', () => {
    // github-facts.md: "`PUT .../merge` counts as content creation".
    expect(createsContent('PUT', '/repos/{owner}/{repo}/pulls/{pull_number}/merge')).toBe(true);
    expect(createsContent('POST', '/repos/{owner}/{repo}/labels')).toBe(true);
    expect(createsContent('PUT', '/repos/{owner}/{repo}/issues/{issue_number}/lock')).toBe(false);
    expect(createsContent('PATCH', '/repos/{owner}/{repo}/issues/{issue_number}')).toBe(false);
    const limits = new RateLimits(
      parseFixture({ ...shopFixture(), limits: { contentPerMinute: 1 } }).limits,
    );
    const budget = budgetOf('github-actions[bot]');
    expect(limits.contentCreation(budget)).toBeUndefined();
    expect(limits.contentCreation(budgetOf('github-actions[bot]'))).toMatchObject({
      status: 403,
      message: ERROR_CONTENT_CREATION_LIMIT,
    });
  });

  it('counts as content creation every route GitHub’s OpenAPI description warns about ("Creating content too quickly using this endpoint may result in secondary rate limiting")', () => {
    const spec = JSON.parse(
      readFileSync(
        join(ROOT, 'node_modules/@octokit/openapi/generated/api.github.com.json'),
        'utf8',
      ),
    ) as { paths: Record<string, Record<string, { description?: string }>> };
    const warned = REST_ROUTES.filter((route) =>
      /Creating content too quickly/.test(
        spec.paths[route.template]?.[route.method.toLowerCase()]?.description ?? '',
      ),
    );
    expect(warned.map((route) => `${route.method} ${route.template}`)).toContain(
      'PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge',
    );
    for (const route of warned)
      expect([route.template, createsContent(route.method, route.template)]).toEqual([
        route.template,
        true,
      ]);
  });

  it('refuses a merge past the content budget before it runs, over HTTP', async () => {
    const t = await withFixture((f) => (f.limits = { contentPerMinute: 1 }));
    expect(
      (await client(t).request('POST', `${repo}/issues/1/comments`, { body: 'a' })).status,
    ).toBe(201);
    const merge = await client(t).request('PUT', `${repo}/pulls/2/merge`, {});
    expect(merge.status).toBe(403);
    expect(merge.body.message).toBe(ERROR_CONTENT_CREATION_LIMIT);
    expect(t.stats()).toMatchObject({ contentCreating: 1, rateLimited: 1 });
  });

  it('are recognised by @octokit/plugin-throttling as secondary limits, 403 and 429 alike', async () => {
    for (const secondaryStatus of [403, 429] as const) {
      const t = await withFixture((f) => (f.limits = { restPointsPerMinute: 1, secondaryStatus }));
      const logger = new RecordingLogger();
      const gh = createGitHubClient({
        token: 'ghs_bot',
        apiUrl: t.urls.api,
        graphqlUrl: t.urls.graphql,
        logger,
        msPerSecond: 1,
        writeIntervalMs: 0,
        maxRetries: 0,
      });
      const get = () =>
        gh.rest.request('GET /repos/{owner}/{repo}/issues/{issue_number}', {
          owner: 'acme',
          repo: 'shop',
          issue_number: 1,
        });
      await get();
      await expect(get()).rejects.toMatchObject({ status: secondaryStatus });
      expect(logger.lines.map((l) => l.message).join('\n')).toMatch(
        /GitHub secondary rate limit on GET/,
      );
      await t.stop();
      twin = undefined;
    }
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
