import { afterEach, describe, expect, it } from '@jest/globals';
import { parse, type OperationDefinitionNode } from 'graphql';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GRAPHQL_DOCUMENTS, VIEWER_QUERY } from '../../src/github/graphql.js';
import {
  ALSO_NEEDED,
  operationName,
  PERMISSION_NEEDED,
  type GraphqlOperation,
} from '../../src/github/permissions.js';
import { ROUTES } from '../../src/github/routes.js';
import {
  FixtureError,
  githubGraphqlSchema,
  parseFixture,
  startTwin,
  type Twin,
} from '../../src/twin/index.js';
import { REST_ROUTES } from '../../src/twin/rest.js';
import {
  allows,
  effectiveGrants,
  graphqlNeed,
  MUTATION_PERMISSIONS,
  REST_PERMISSIONS,
  restNeed,
  type Grant,
  type Granted,
} from '../../src/twin/scopes.js';
import { ROOT } from '../support/source.js';
import { client, cloneUrl, git, shopFixture } from '../support/twin.js';

/**
 * Sources: GitHub's "Permissions required for GitHub Apps"
 * (https://docs.github.com/en/rest/authentication/permissions-required-for-github-apps), its
 * GITHUB_TOKEN page ("If you specify the access for any of these permissions, all of those that
 * are not specified are set to none", https://docs.github.com/en/actions/security-for-github-actions/security-guides/automatic-token-authentication#modifying-the-permissions-for-the-github_token),
 * and github-facts.md: "A GITHUB_TOKEN outside the job's permissions: gets 403 `Resource not
 * accessible by integration`".
 */

let twin: Twin | undefined;
afterEach(async () => {
  await twin?.stop();
  twin = undefined;
});

const repo = '/repos/acme/shop';
const NOT_ACCESSIBLE = 'Resource not accessible by integration';

/** The shop, with GITHUB_TOKEN-style tokens limited to the permissions given. */
async function scoped(tokens: Record<string, Granted>): Promise<Twin> {
  const fixture = shopFixture() as any;
  for (const [token, permissions] of Object.entries(tokens))
    fixture.tokens[token] = { login: 'github-actions[bot]', permissions };
  twin = await startTwin(fixture);
  return twin;
}

const operationOf = (document: string) => {
  const parsed = parse(document);
  const operation = parsed.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === 'OperationDefinition',
  )!;
  return graphqlNeed(parsed, operation);
};

const only = (grant: Grant): Granted => {
  const [scope, access] = grant.split(': ') as [keyof Granted, 'read' | 'write'];
  return effectiveGrants({ [scope]: access })!;
};

describe('the permission map', () => {
  it('has an entry for every REST route the twin serves (a new route must be mapped)', () => {
    const missing = REST_ROUTES.map((route) => `${route.method} ${route.template}`).filter(
      (key) => !Object.hasOwn(REST_PERMISSIONS, key),
    );
    expect(missing).toEqual([]);
  });

  it('has an entry for every mutation the twin resolves (a new mutation must be mapped)', () => {
    const source = readFileSync(join(ROOT, 'src/twin/graphql.ts'), 'utf8');
    const mutationType = githubGraphqlSchema().getMutationType()!.getFields();
    const resolved = [...source.matchAll(/^ {4}(\w+): (?:async )?\(\{ input \}/gm)]
      .map((match) => match[1]!)
      .filter((name) => Object.hasOwn(mutationType, name));
    expect(resolved.length).toBeGreaterThanOrEqual(16);
    expect(resolved.filter((name) => !Object.hasOwn(MUTATION_PERMISSIONS, name))).toEqual([]);
    for (const name of Object.keys(MUTATION_PERMISSIONS)) expect(mutationType).toHaveProperty(name);
  });

  it('maps only routes of GitHub’s REST API', () => {
    const spec = JSON.parse(
      readFileSync(
        join(ROOT, 'node_modules/@octokit/openapi/generated/api.github.com.json'),
        'utf8',
      ),
    ) as { paths: Record<string, Record<string, unknown>> };
    for (const key of Object.keys(REST_PERMISSIONS)) {
      const [method, template] = key.split(' ') as [string, string];
      expect([key, spec.paths[template]?.[method.toLowerCase()] !== undefined]).toEqual([
        key,
        true,
      ]);
    }
  });

  it('lets a token holding exactly what src/github/permissions.ts documents do each request', () => {
    for (const [name, route] of Object.entries(ROUTES)) {
      const [method, template] = route.split(' ') as [string, string];
      const grant = PERMISSION_NEEDED[name as keyof typeof ROUTES];
      expect([route, allows(only(grant), restNeed(method, template)!)]).toEqual([route, true]);
    }
    for (const document of Object.values(GRAPHQL_DOCUMENTS)) {
      const name = operationName(document)!;
      const { need, unknown } = operationOf(document);
      // An operation that reads several kinds of object lists the others in ALSO_NEEDED.
      const grants = [
        PERMISSION_NEEDED[name as GraphqlOperation],
        ...(ALSO_NEEDED[name as GraphqlOperation] ?? []),
      ];
      const declared = Object.fromEntries(grants.map((grant) => grant.split(': ')));
      expect([name, unknown, allows(effectiveGrants(declared), need)]).toEqual([name, [], true]);
    }
  });

  it('reads write as read, fills in none and always grants metadata: read', () => {
    const granted = effectiveGrants({ issues: 'write' })!;
    expect(granted).toEqual({
      actions: 'none',
      administration: 'none',
      checks: 'none',
      contents: 'none',
      issues: 'write',
      metadata: 'read',
      'pull-requests': 'none',
      statuses: 'none',
    });
    expect(allows(granted, restNeed('GET', '/repos/{owner}/{repo}/issues')!)).toBe(true);
    expect(allows(granted, restNeed('GET', '/repos/{owner}/{repo}')!)).toBe(true);
    expect(allows(granted, restNeed('GET', '/repos/{owner}/{repo}/pulls')!)).toBe(false);
    expect(effectiveGrants(undefined)).toBeUndefined();
    expect(
      allows(undefined, restNeed('PUT', '/repos/{owner}/{repo}/pulls/{pull_number}/merge')!),
    ).toBe(true);
  });

  it('decides GraphQL by operation: mutations by root field, queries by what they read [unverified]', () => {
    const merge = operationOf(
      'mutation { mergePullRequest(input: { pullRequestId: "x" }) { clientMutationId } }',
    );
    expect(allows(only('pull-requests: write'), merge.need)).toBe(false);
    expect(allows(only('contents: write'), merge.need)).toBe(false);
    expect(
      allows(effectiveGrants({ 'pull-requests': 'write', contents: 'write' }), merge.need),
    ).toBe(true);
    const commit = operationOf(
      'mutation { createCommitOnBranch(input: { branch: { id: "x" }, expectedHeadOid: "0", message: { headline: "m" } }) { clientMutationId } }',
    );
    expect(allows(only('contents: write'), commit.need)).toBe(true);
    expect(allows(only('issues: write'), commit.need)).toBe(false);
    const pulls = operationOf(
      '{ repository(owner: "a", name: "b") { pullRequests(first: 1) { totalCount } } }',
    );
    expect(allows(only('issues: read'), pulls.need)).toBe(false);
    expect(allows(only('pull-requests: read'), pulls.need)).toBe(true);
    const node = operationOf('{ node(id: "x") { ... on Issue { title } } }');
    expect(allows(only('pull-requests: read'), node.need)).toBe(false);
    expect(allows(only('issues: read'), node.need)).toBe(true);
    const viewer = operationOf('{ viewer { login } rateLimit { remaining } }');
    expect(allows(effectiveGrants({}), viewer.need)).toBe(true);
  });
});

describe('a token limited by its permissions', () => {
  it('is refused over REST with 403 and GitHub’s body, before anything changes', async () => {
    const t = await scoped({ ghs_read: { issues: 'read' } });
    const api = client(t, 'ghs_read');
    expect((await api.request('GET', `${repo}/issues/1`)).status).toBe(200);
    expect((await api.request('GET', repo)).status).toBe(200); // metadata: read, always
    const before = t.state.comments.length;
    const refused = await api.request('POST', `${repo}/issues/1/comments`, { body: 'no' });
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({
      message: NOT_ACCESSIBLE,
      documentation_url: 'https://docs.github.com/rest',
      status: '403',
    });
    expect(refused.headers.get('x-ratelimit-resource')).toBe('core');
    expect(t.state.comments).toHaveLength(before);
    for (const path of [`${repo}/actions/runs`, `${repo}/pulls`, `${repo}/git/matching-refs/heads`])
      expect([path, (await api.request('GET', path)).status]).toEqual([path, 403]);
    const label = await api.request('POST', `${repo}/issues/1/labels`, { labels: ['ai-ready'] });
    expect(label.status).toBe(403);
    expect(t.stats().contentCreating).toBe(0);
    // The same login with an unrestricted token may (a string entry keeps its role's rights).
    expect(
      (await client(t).request('POST', `${repo}/issues/1/comments`, { body: 'yes' })).status,
    ).toBe(201);
  });

  it('still needs its role: a permission does not lift what the identity may do', async () => {
    const fixture = shopFixture() as any;
    fixture.tokens.ghp_mallory_scoped = {
      login: 'mallory',
      permissions: { issues: 'write', 'pull-requests': 'write' },
    };
    twin = await startTwin(fixture);
    const answer = await client(twin, 'ghp_mallory_scoped').request('PATCH', `${repo}/issues/1`, {
      labels: ['ai-ready'],
      title: 'Mallory was here',
    });
    expect(answer.status).toBe(403);
  });

  it('is refused over GraphQL with a FORBIDDEN error and no data, and nothing changes', async () => {
    const t = await scoped({
      ghs_read: { issues: 'read' },
      ghs_pulls: { 'pull-requests': 'read' },
    });
    const id = t.state.item(1).nodeId;
    const before = t.state.comments.length;
    const refused = await client(t, 'ghs_read').graphql(
      `mutation { addComment(input: { subjectId: "${id}", body: "no" }) { clientMutationId } }`,
    );
    expect(refused.status).toBe(200);
    expect(refused.body).toEqual({
      data: null,
      errors: [
        {
          type: 'FORBIDDEN',
          path: ['addComment'],
          extensions: { saml_failure: false },
          message: NOT_ACCESSIBLE,
        },
      ],
    });
    expect(t.state.comments).toHaveLength(before);
    expect(t.stats().contentCreating).toBe(0);
    const issues = '{ repository(owner: "acme", name: "shop") { issue(number: 1) { title } } }';
    expect((await client(t, 'ghs_read').graphql(issues)).body.data.repository.issue.title).toBe(
      'Add tax',
    );
    const forbidden = await client(t, 'ghs_pulls').graphql(issues);
    expect(forbidden.body).toMatchObject({ data: null, errors: [{ type: 'FORBIDDEN' }] });
    expect((await client(t, 'ghs_pulls').graphql(VIEWER_QUERY)).body.data.viewer.login).toBe(
      'github-actions[bot]',
    );
  });

  it('fetches over git with contents: read, pushes only with contents: write', async () => {
    const t = await scoped({
      ghs_none: {},
      ghs_read: { contents: 'read' },
      ghs_write: { contents: 'write' },
    });
    const work = mkdtempSync(join(tmpdir(), 'ai-scrum-scopes-'));
    try {
      await expect(git(['clone', '-q', cloneUrl(t, 'ghs_none'), 'none'], work)).rejects.toThrow(
        /403|denied/,
      );
      await git(['clone', '-q', cloneUrl(t, 'ghs_read'), 'shop'], work);
      const shop = join(work, 'shop');
      writeFileSync(join(shop, 'src/tax.ts'), 'export const tax = 0.2;\n');
      await git(['add', '.'], shop);
      await git(['commit', '-q', '-m', 'Add tax'], shop);
      await expect(
        git(['push', '-q', 'origin', 'HEAD:refs/heads/read-only'], shop),
      ).rejects.toThrow(/403|denied/);
      expect((await client(t).request('GET', `${repo}/git/ref/heads/read-only`)).status).toBe(404);
      await git(['push', '-q', cloneUrl(t, 'ghs_write'), 'HEAD:refs/heads/written'], shop);
      expect((await client(t).request('GET', `${repo}/git/ref/heads/written`)).status).toBe(200);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});

describe('fixture tokens', () => {
  it('take a login or { login, permissions } and report problems with their place', () => {
    const fixture = parseFixture({
      ...shopFixture(),
      tokens: { a: 'alice', b: { login: 'github-actions[bot]', permissions: { issues: 'write' } } },
    });
    expect(fixture.tokens).toEqual({ a: 'alice', b: 'github-actions[bot]' });
    expect(fixture.tokenPermissions).toEqual({ b: { issues: 'write' } });
    const problem = (tokens: unknown) => {
      try {
        parseFixture({ ...shopFixture(), tokens });
        return '';
      } catch (error) {
        expect(error).toBeInstanceOf(FixtureError);
        return (error as Error).message;
      }
    };
    expect(problem({ x: { login: 'eve' } })).toContain(
      "fixture.tokens.x.login: unknown user 'eve'",
    );
    expect(problem({ x: { login: 'alice', permissions: { metadata: 'none' } } })).toContain(
      'fixture.tokens.x.permissions.metadata',
    );
    expect(problem({ x: { login: 'alice', permissions: { workflows: 'write' } } })).toContain(
      'fixture.tokens.x',
    );
    expect(problem({ x: { login: 'alice', permissions: { issues: 'admin' } } })).toContain(
      'fixture.tokens.x',
    );
  });
});
