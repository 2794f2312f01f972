import { afterEach, describe, expect, it } from '@jest/globals';
import { createGitHubClient, defaultGraphqlUrl, endpointsFromEnv } from '../src/github/client.js';
import { VIEWER_QUERY } from '../src/github/graphql.js';
import { ROUTES } from '../src/github/routes.js';
import { RecordingLogger } from '../src/logger.js';
import { startStub, type StubReply } from './support/http-stub.js';

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

async function client(
  replies: StubReply[],
  options: { maxRetries?: number; requestTimeoutMs?: number } = {},
) {
  const stub = await startStub(replies);
  stop = stub.stop;
  const logger = new RecordingLogger();
  const github = createGitHubClient({
    token: 'ghs_test',
    apiUrl: `${stub.url}/api/v3/`,
    graphqlUrl: `${stub.url}/graphql`,
    logger,
    msPerSecond: 1, // a second of advised wait becomes a millisecond: the test never sleeps for real
    writeIntervalMs: 0,
    maxRetries: options.maxRetries ?? 3,
    requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
  });
  return { github, seen: stub.seen, logger };
}

const repo = { owner: 'acme', repo: 'shop' };
const ok = { status: 200, body: { full_name: 'acme/shop' } };

describe('createGitHubClient', () => {
  it('sends REST requests to the API URL as ai-scrum-master with the token', async () => {
    const { github, seen } = await client([ok]);
    const { data } = await github.rest.request(ROUTES.getRepository, repo);
    expect(data).toEqual({ full_name: 'acme/shop' });
    expect(seen[0]?.url).toBe('/api/v3/repos/acme/shop');
    expect(seen[0]?.headers['user-agent']).toMatch(/^ai-scrum-master\/0\.1\.0 /);
    expect(seen[0]?.headers.authorization).toBe('token ghs_test');
  });

  it('sends GraphQL documents to the GraphQL URL', async () => {
    const { github, seen } = await client([
      { status: 200, body: { data: { viewer: { login: 'bot' } } } },
    ]);
    const data = await github.graphql<{ viewer: { login: string } }>(VIEWER_QUERY);
    expect(data.viewer.login).toBe('bot');
    expect(seen[0]?.method).toBe('POST');
    expect(seen[0]?.url).toBe('/graphql');
    expect(JSON.parse(seen[0]?.body ?? '{}').query).toBe(VIEWER_QUERY);
  });

  it('counts every attempt it sends, and the content-creating ones apart', async () => {
    const { github, seen } = await client([
      { status: 502 },
      ok,
      { status: 200, body: { data: { viewer: { login: 'bot' } } } },
      { status: 200, body: { data: { addComment: null } } },
      { status: 201, body: { id: 1 } },
    ]);
    await github.rest.request(ROUTES.getRepository, repo);
    await github.graphql(VIEWER_QUERY);
    await github.graphql(
      'mutation Add($id: ID!) { addComment(input: {subjectId: $id, body: "x"}) { clientMutationId } }',
      { id: 'I_1' },
    );
    await github.rest.request(ROUTES.createIssueComment, { ...repo, issue_number: 1, body: 'x' });
    expect(seen).toHaveLength(5);
    expect(github.stats).toEqual({ requests: 5, writes: 2 });
  });

  it('retries 5xx answers and succeeds', async () => {
    const { github, seen } = await client([{ status: 502 }, { status: 503 }, ok]);
    await github.rest.request(ROUTES.getRepository, repo);
    expect(seen).toHaveLength(3);
  });

  it('gives up after its retries with the last status', async () => {
    const { github, seen } = await client([{ status: 500 }, { status: 500 }, { status: 500 }], {
      maxRetries: 2,
    });
    await expect(github.rest.request(ROUTES.getRepository, repo)).rejects.toMatchObject({
      status: 500,
    });
    expect(seen).toHaveLength(3);
  });

  it('does not retry a 404 or 422', async () => {
    const { github, seen } = await client([{ status: 404, body: { message: 'Not Found' } }]);
    await expect(github.rest.request(ROUTES.getRepository, repo)).rejects.toMatchObject({
      status: 404,
    });
    expect(seen).toHaveLength(1);
  });

  it('abandons an answer that never comes and retries it', async () => {
    const { github, seen } = await client(['hang', ok], { requestTimeoutMs: 150 });
    await github.rest.request(ROUTES.getRepository, repo);
    expect(seen).toHaveLength(2);
  });

  it('fails cleanly when no answer ever comes', async () => {
    const { github, seen } = await client(['hang', 'hang'], {
      requestTimeoutMs: 100,
      maxRetries: 1,
    });
    await expect(github.rest.request(ROUTES.getRepository, repo)).rejects.toMatchObject({
      status: 504,
      message: 'No answer within 100 ms',
    });
    expect(seen).toHaveLength(2);
  });

  it('waits out a secondary rate limit for its retry-after, then retries', async () => {
    const limited = {
      status: 403,
      headers: { 'retry-after': '30', 'x-ratelimit-remaining': '4000' },
      body: {
        message:
          'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
      },
    };
    const { github, seen, logger } = await client([limited, ok]);
    await github.rest.request(ROUTES.getRepository, repo);
    expect(seen).toHaveLength(2);
    expect(logger.lines).toContainEqual({
      level: 'warning',
      message: expect.stringMatching(/secondary rate limit on GET .*: retrying after 30 s/),
    });
  });

  it('waits for x-ratelimit-reset after a primary rate limit, then retries', async () => {
    const reset = String(Math.floor(Date.now() / 1000) + 5);
    const limited = {
      status: 403,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset },
      body: { message: 'API rate limit exceeded for installation ID 1.' },
    };
    const { github, seen, logger } = await client([limited, ok]);
    await github.rest.request(ROUTES.getRepository, repo);
    expect(seen).toHaveLength(2);
    expect(logger.lines).toContainEqual({
      level: 'warning',
      message: expect.stringMatching(/primary rate limit .*retrying after [5-7] s/),
    });
  });

  it('does not wait longer than its bound', async () => {
    const reset = String(Math.floor(Date.now() / 1000) + 3600);
    const limited = {
      status: 429,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset },
      body: { message: 'API rate limit exceeded for installation ID 1.' },
    };
    const { github, seen, logger } = await client([limited]);
    await expect(github.rest.request(ROUTES.getRepository, repo)).rejects.toMatchObject({
      status: 429,
    });
    expect(seen).toHaveLength(1);
    expect(logger.lines).toContainEqual({
      level: 'warning',
      message: expect.stringMatching(/not retrying \(advised wait 360\d s\)/),
    });
  });

  it('retries a GraphQL RATE_LIMITED answer after the reset', async () => {
    const reset = String(Math.floor(Date.now() / 1000) + 2);
    const limited = {
      status: 200,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset },
      body: {
        errors: [
          { type: 'RATE_LIMITED', message: 'API rate limit exceeded for installation ID 1.' },
        ],
      },
    };
    const { github, seen } = await client([
      limited,
      { status: 200, body: { data: { viewer: { login: 'x' } } } },
    ]);
    await expect(github.graphql(VIEWER_QUERY)).resolves.toEqual({ viewer: { login: 'x' } });
    expect(seen).toHaveLength(2);
  });
});

describe('endpoints', () => {
  it('defaults to github.com', () => {
    expect(endpointsFromEnv({})).toEqual({
      apiUrl: 'https://api.github.com',
      graphqlUrl: 'https://api.github.com/graphql',
    });
  });

  it('derives GitHub Enterprise Server’s GraphQL URL and honours an explicit one', () => {
    expect(defaultGraphqlUrl('https://ghe.example/api/v3')).toBe('https://ghe.example/api/graphql');
    expect(
      endpointsFromEnv({
        GITHUB_API_URL: 'http://127.0.0.1:9/',
        GITHUB_GRAPHQL_URL: 'http://127.0.0.1:9/graphql',
      }),
    ).toEqual({ apiUrl: 'http://127.0.0.1:9', graphqlUrl: 'http://127.0.0.1:9/graphql' });
  });
});
