import { afterEach, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:net';
import type { ActionRun } from '../src/action-deps.js';
import { ACTION_RUNS } from '../src/router.js';
import { runAction } from '../src/entrypoints/run-action.js';
import { describeGitHubFailure, refusalOf, unreachableOf } from '../src/github/api-errors.js';
import { createGitHubClient, type GitHubClient } from '../src/github/client.js';
import { GRAPHQL_DOCUMENTS } from '../src/github/graphql.js';
import {
  operationName,
  PERMISSION_NEEDED,
  type GraphqlOperation,
} from '../src/github/permissions.js';
import { ROUTES, type RouteName } from '../src/github/routes.js';
import { startTwin, type Twin } from '../src/twin/index.js';
import { recordingCore } from './support/core.js';
import { startStub, type StubReply } from './support/http-stub.js';
import { shopFixture } from './support/twin.js';

let stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops) await stop();
  stops = [];
});

async function stub(replies: StubReply[]) {
  const started = await startStub(replies);
  stops.push(started.stop);
  return started;
}

const NOT_ACCESSIBLE = {
  status: 403,
  body: {
    message: 'Resource not accessible by integration',
    documentation_url: 'https://docs.github.com/rest/actions/workflow-runs',
    status: '403',
  },
};
const viewer = (login: string): StubReply => ({
  status: 200,
  body: { data: { viewer: { login }, rateLimit: { cost: 1, limit: 5000, remaining: 4999 } } },
});
const forbidden = (message: string, path = ['repository', 'conflicts']): StubReply => ({
  status: 200,
  body: { data: null, errors: [{ type: 'FORBIDDEN', path, message, locations: [] }] },
});

/** Parameters for any route: every {name} in it gets a plain value. */
function parametersFor(route: string): Record<string, string> {
  const names = [...route.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  return Object.fromEntries(
    names.map((name) => [name, name === 'owner' ? 'acme' : name === 'repo' ? 'shop' : `x${name}`]),
  );
}

function client(url: string, base = '/api/v3') {
  return createGitHubClient({
    token: 'ghs_x',
    apiUrl: `${url}${base}`,
    graphqlUrl: `${url}/api/graphql`,
    maxRetries: 0,
    msPerSecond: 1,
    writeIntervalMs: 0,
  });
}

const env = (url: string): Record<string, string> => ({
  GITHUB_API_URL: `${url}/api/v3`,
  GITHUB_GRAPHQL_URL: `${url}/api/graphql`,
  GITHUB_REPOSITORY: 'acme/shop',
});

/** An action that makes one request with the token it is given, the way an adapter would. */
const requesting =
  (make: (github: GitHubClient) => Promise<unknown>): ActionRun =>
  async (deps) => {
    await make(deps.github('ghs_x'));
  };

describe('which request GitHub refused, and what it needs', () => {
  it.each(Object.keys(ROUTES) as RouteName[])(
    '%s is recognised from the URL Octokit sent, under any base path',
    async (name) => {
      const { url } = await stub([NOT_ACCESSIBLE]);
      const error = await client(url)
        .rest.request(ROUTES[name] as string, parametersFor(ROUTES[name]))
        .catch((e: unknown) => e);
      expect(refusalOf(error)).toEqual({
        request: expect.objectContaining({ kind: 'rest', route: name }),
        kind: 'permission',
        answer: '403',
        message: 'Resource not accessible by integration',
        path: undefined,
      });
    },
  );

  it.each(Object.entries(GRAPHQL_DOCUMENTS))(
    '%s is recognised by its operation, with where in the answer the refusal is',
    async (_name, document) => {
      const { url } = await stub([forbidden('Resource not accessible by integration')]);
      const error = await client(url)
        .graphql(document, { owner: 'acme', name: 'shop' })
        .catch((e: unknown) => e);
      expect(refusalOf(error)).toEqual({
        request: expect.objectContaining({ kind: 'graphql', operation: operationName(document) }),
        kind: 'permission',
        answer: 'FORBIDDEN',
        message: 'Resource not accessible by integration',
        path: 'repository.conflicts',
      });
    },
  );

  it('knows the permission of every GraphQL operation the toolkit sends, and of no other', () => {
    const sent = Object.values(GRAPHQL_DOCUMENTS).map((document) => operationName(document));
    const known = Object.keys(PERMISSION_NEEDED).filter((name) => !(name in ROUTES));
    expect(new Set(sent)).toEqual(new Set(known));
    expect(sent.every((name) => PERMISSION_NEEDED[name as GraphqlOperation])).toBe(true);
  });

  it('does not take a rate limit, a missing resource or a bug for a refusal', () => {
    const request = { method: 'GET', url: 'https://api.github.com/repos/a/b/issues' };
    const limited = {
      status: 403,
      message: 'API rate limit exceeded for installation ID 1.',
      request,
      response: { data: { message: 'API rate limit exceeded for installation ID 1.' } },
    };
    expect(refusalOf(limited)).toBeUndefined();
    expect(refusalOf({ status: 404, message: 'Not Found', request })).toBeUndefined();
    expect(refusalOf(new Error('bug'))).toBeUndefined();
    expect(unreachableOf(new Error('bug'))).toBeUndefined();
    expect(unreachableOf({ status: 500, message: 'x', request, response: {} })).toBeUndefined();
  });
});

describe('a refusal, as the step reports it', () => {
  async function failureOf(replies: StubReply[], run: ActionRun, extra = {}) {
    const { url, seen } = await stub(replies);
    const { core, failures } = recordingCore({ 'github-token': 'ghs_x' });
    await runAction('ai-scrum-master/dispatch', run, core, { ...env(url), ...extra });
    return { failures, seen };
  }
  const listRuns = requesting((github) =>
    github.rest.request(ROUTES.listWorkflowRuns, { owner: 'acme', repo: 'shop' }),
  );

  it('names GITHUB_TOKEN, the request, the permission and the `permissions:` entry', async () => {
    const { failures, seen } = await failureOf(
      [NOT_ACCESSIBLE, viewer('github-actions[bot]')],
      listRuns,
    );
    expect(failures).toEqual([
      'ai-scrum-master/dispatch failed: GitHub refused GET /repos/{owner}/{repo}/actions/runs to GITHUB_TOKEN (github-actions[bot]): 403 Resource not accessible by integration. It needs `actions: read`: add it under `permissions:` in the workflow (see docs/permissions.md).',
    ]);
    // One request refused, one to ask who the token is; nothing retried.
    expect(seen.map((r) => `${r.method} ${r.url}`)).toEqual([
      'GET /api/v3/repos/acme/shop/actions/runs',
      'POST /api/graphql',
    ]);
  });

  it('names an app by its login, and says `permissions:` does not apply to it', async () => {
    // The toolkit's one mutation, whatever it is called: its variables do not matter to the stub.
    const mutation = Object.values(GRAPHQL_DOCUMENTS).find((d) => /^\s*mutation\b/.test(d))!;
    const operation = operationName(mutation) as GraphqlOperation;
    const { failures } = await failureOf(
      [forbidden('Resource not accessible by integration', ['a0']), viewer('my-app[bot]')],
      requesting((github) => github.graphql(mutation)),
    );
    expect(PERMISSION_NEEDED[operation]).toBe('issues: write');
    expect(failures).toEqual([
      `ai-scrum-master/dispatch failed: GitHub refused the GraphQL mutation ${operation} (at a0) to the token of my-app[bot]: FORBIDDEN Resource not accessible by integration. It needs \`issues: write\`: grant it to that token (a workflow's \`permissions:\` applies only to GITHUB_TOKEN; see docs/permissions.md).`,
    ]);
  });

  it('says "the token" when GitHub will not say whose it is', async () => {
    const { failures } = await failureOf(
      [
        forbidden('Resource not accessible by integration'),
        { status: 502, body: { message: 'Server Error' } },
      ],
      requesting((github) =>
        github.graphql(GRAPHQL_DOCUMENTS['DISPATCH_OVERVIEW_QUERY']!, {
          owner: 'acme',
          name: 'shop',
          conflict: 'ai-conflict',
          inProgress: 'ai-in-progress',
        }),
      ),
    );
    expect(failures).toEqual([
      'ai-scrum-master/dispatch failed: GitHub refused the GraphQL query DispatchOverview (at repository.conflicts) to the token: FORBIDDEN Resource not accessible by integration. It needs `pull-requests: read`: for GITHUB_TOKEN add it under `permissions:` in the workflow; any other token must be granted it (see docs/permissions.md).',
    ]);
  });

  it('reports a token GitHub does not accept, with where it was sent', async () => {
    const { failures, seen } = await failureOf(
      [{ status: 401, body: { message: 'Bad credentials', status: '401' } }],
      requesting((github) =>
        github.rest.request(ROUTES.listIssues, { owner: 'acme', repo: 'shop' }),
      ),
    );
    expect(failures).toEqual([
      expect.stringMatching(
        /^ai-scrum-master\/dispatch failed: GitHub did not accept the token \(401 Bad credentials\) for GET \/repos\/\{owner\}\/\{repo\}\/issues at GITHUB_API_URL http:\/\/127\.0\.0\.1:\d+\/api\/v3: the github-token input is not a valid token there \(mistyped, expired or revoked, or from another GitHub\)\.$/,
      ),
    ]);
    expect(seen).toHaveLength(1);
  });

  it('explains a role that is not enough in GitHub’s own words', async () => {
    const { failures } = await failureOf(
      [
        forbidden('Must have push access to view repository collaborators.', ['repository', 'c0']),
        viewer('mallory'),
      ],
      requesting((github) =>
        github.graphql(GRAPHQL_DOCUMENTS['collaboratorPermissionsQuery']!, {
          owner: 'acme',
          name: 'shop',
        }),
      ),
    );
    expect(failures).toEqual([
      'ai-scrum-master/dispatch failed: GitHub refused the GraphQL query CollaboratorPermissions (at repository.c0) to the token of mallory: FORBIDDEN Must have push access to view repository collaborators. mallory needs more access to the repository (see docs/permissions.md).',
    ]);
  });

  it('sends another token than GITHUB_TOKEN to the repository it cannot see', async () => {
    const { failures } = await failureOf(
      [NOT_ACCESSIBLE, viewer('alice')],
      requesting((github) =>
        github.rest.request(ROUTES.getRepository, { owner: 'acme', repo: 'shop' }),
      ),
    );
    expect(failures).toEqual([
      'ai-scrum-master/dispatch failed: GitHub refused GET /repos/{owner}/{repo} to the token of alice: 403 Resource not accessible by integration. It needs read access to this repository, which GITHUB_TOKEN always has; another token must be granted this repository (see docs/permissions.md).',
    ]);
  });

  it('keeps any other GitHub error to one line', async () => {
    const { failures } = await failureOf(
      [
        {
          status: 200,
          body: { data: null, errors: [{ type: 'NOT_FOUND', message: 'a' }, { message: 'b' }] },
        },
      ],
      requesting((github) => github.graphql(GRAPHQL_DOCUMENTS['VIEWER_QUERY']!)),
    );
    expect(failures).toEqual([
      'ai-scrum-master/dispatch failed: Request failed due to following response errors: - a - b',
    ]);
  });
});

describe('an unreachable GitHub', () => {
  async function closedPort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
  }

  async function failureOf(environment: Record<string, string>, run: ActionRun) {
    const { core, failures } = recordingCore({ 'github-token': 'ghs_x' });
    await runAction('ai-scrum-master/dispatch', run, core, environment);
    return failures;
  }

  it('names GITHUB_API_URL and the reason when the connection is refused', async () => {
    const port = await closedPort();
    const failures = await failureOf(
      { GITHUB_API_URL: `http://127.0.0.1:${port}` },
      requesting((github) =>
        // Not retried here only to keep the test short; the client retries a refused connection.
        github.rest.request(ROUTES.listIssues, { owner: 'a', repo: 'b', request: { retries: 0 } }),
      ),
    );
    expect(failures).toEqual([
      `ai-scrum-master/dispatch failed: Cannot reach GitHub at GITHUB_API_URL http://127.0.0.1:${port} for GET /repos/{owner}/{repo}/issues: connection refused.`,
    ]);
  });

  it('names GITHUB_GRAPHQL_URL for a GraphQL request, and does not retry a blocked port', async () => {
    const started = Date.now();
    const failures = await failureOf(
      { GITHUB_API_URL: 'http://127.0.0.1:8', GITHUB_GRAPHQL_URL: 'http://127.0.0.1:9/graphql' },
      requesting((github) => github.graphql(GRAPHQL_DOCUMENTS['VIEWER_QUERY']!)),
    );
    expect(failures).toEqual([
      'ai-scrum-master/dispatch failed: Cannot reach GitHub at GITHUB_GRAPHQL_URL http://127.0.0.1:9/graphql for the GraphQL query Viewer: the port is one that fetch refuses to connect to.',
    ]);
    // Retried, it would have waited 1 + 4 + 9 seconds.
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('says where a GraphQL URL nobody set came from', async () => {
    const error = await createGitHubClient({ token: 't', apiUrl: 'http://127.0.0.1:9/api/v3' })
      .graphql(GRAPHQL_DOCUMENTS['VIEWER_QUERY']!)
      .catch((e: unknown) => e);
    const described = await describeGitHubFailure(error, {
      endpoints: {
        apiUrl: 'http://127.0.0.1:9/api/v3',
        graphqlUrl: 'http://127.0.0.1:9/api/graphql',
      },
      env: { GITHUB_API_URL: 'http://127.0.0.1:9/api/v3' },
      identify: async () => undefined,
    });
    expect(described).toBe(
      'Cannot reach GitHub at http://127.0.0.1:9/api/graphql (the GraphQL URL derived from GITHUB_API_URL http://127.0.0.1:9/api/v3) for the GraphQL query Viewer: the port is one that fetch refuses to connect to.',
    );
  });

  it('reports an answer that never came', async () => {
    const { url } = await stub(['hang']);
    const error = await createGitHubClient({
      token: 't',
      apiUrl: url,
      maxRetries: 0,
      requestTimeoutMs: 50,
    })
      .rest.request(ROUTES.getRepository, { owner: 'a', repo: 'b' })
      .catch((e: unknown) => e);
    const described = await describeGitHubFailure(error, {
      endpoints: { apiUrl: url, graphqlUrl: `${url}/graphql` },
      env: {},
      identify: async () => undefined,
    });
    expect(described).toBe(
      `Cannot reach GitHub at ${url} (GITHUB_API_URL is not set) for GET /repos/{owner}/{repo}: no answer within 50 ms.`,
    );
  });
});

describe('refusals from the twin', () => {
  let twin: Twin | undefined;
  afterEach(async () => {
    await twin?.stop();
    twin = undefined;
  });

  function eligibleShop() {
    const fixture = shopFixture();
    for (const issue of fixture.issues ?? []) {
      delete (issue as { blockedBy?: unknown }).blockedBy;
      delete (issue as { subIssues?: unknown }).subIssues;
    }
    return fixture;
  }

  it('a token GitHub does not know stops dispatch at its first request', async () => {
    twin = await startTwin(eligibleShop());
    const { core, failures } = recordingCore({ 'github-token': 'ghs_unknown' });
    await runAction(
      'ai-scrum-master/dispatch',
      ACTION_RUNS.dispatch,
      core,
      twin.env('ghs_unknown'),
    );
    expect(failures).toEqual([
      `ai-scrum-master/dispatch failed: GitHub did not accept the token (401 Bad credentials) for the GraphQL query DispatchOverview at GITHUB_GRAPHQL_URL ${twin.urls.graphql}: the github-token input is not a valid token there (mistyped, expired or revoked, or from another GitHub).`,
    ]);
  });

  it('a reader’s token cannot list collaborators, and dispatch says so', async () => {
    twin = await startTwin(eligibleShop());
    const { core, failures } = recordingCore({ 'github-token': 'ghp_mallory' });
    await runAction('ai-scrum-master/dispatch', ACTION_RUNS.dispatch, core, {
      ...twin.env('ghp_mallory'),
      AI_SCRUM_WRITE_INTERVAL_MS: '0',
    });
    expect(failures).toEqual([
      'ai-scrum-master/dispatch failed: GitHub refused the GraphQL query CollaboratorPermissions (at repository.c0) to the token of mallory: FORBIDDEN Must have push access to view repository collaborators. mallory needs more access to the repository (see docs/permissions.md).',
    ]);
  });

  it('a reader’s token cannot label an issue', async () => {
    twin = await startTwin(eligibleShop());
    const { core, failures } = recordingCore({});
    await runAction(
      'ai-scrum-master/dispatch',
      async (deps) => {
        await deps.github('ghp_mallory').rest.request(ROUTES.addLabels, {
          owner: 'acme',
          repo: 'shop',
          issue_number: 1,
          labels: ['x'],
        });
      },
      core,
      twin.env('ghp_mallory'),
    );
    expect(failures).toEqual([
      "ai-scrum-master/dispatch failed: GitHub refused POST /repos/{owner}/{repo}/issues/{issue_number}/labels to the token of mallory: 403 Resource not accessible by integration. It needs `issues: write`: grant it to that token (a workflow's `permissions:` applies only to GITHUB_TOKEN; see docs/permissions.md).",
    ]);
  });
});
