import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTwin, type Twin } from '../src/twin/index.js';
import { runBundle, type BundleResult } from './support/bundle.js';
import { shopFixture } from './support/twin.js';

/**
 * What a user sees when the setup is wrong, from the committed bundles run as a runner runs them:
 * exit code 1 and exactly one `::error::` line, with no stack trace.
 */

let twin: Twin | undefined;
afterEach(async () => {
  await twin?.stop();
  twin = undefined;
});

const dir = mkdtempSync(join(tmpdir(), 'ai-scrum-bundle-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

function expectOneError(result: BundleResult, line: string | RegExp): void {
  expect(result.code).toBe(1);
  const errors = result.stdout.split('\n').filter((l) => l.startsWith('::error::'));
  expect(errors).toEqual([
    typeof line === 'string' ? `::error::${line}` : expect.stringMatching(line),
  ]);
  expect(`${result.stdout}${result.stderr}`).not.toMatch(/^\s+at /m);
  expect(result.outputs).toEqual({});
}

/** The example fixture, with issue 1 ready to be claimed. */
function shop() {
  const fixture = shopFixture();
  for (const issue of fixture.issues ?? []) {
    delete (issue as { blockedBy?: unknown }).blockedBy;
    delete (issue as { subIssues?: unknown }).subIssues;
  }
  return fixture;
}

describe('the runner’s environment, as the bundles check it', () => {
  it('dispatch names an event file that is not JSON', async () => {
    const event = file('event.json', '{"action": "labeled",');
    const result = await runBundle(
      'dispatch',
      { 'github-token': 't' },
      { GITHUB_EVENT_PATH: event },
    );
    expectOneError(
      result,
      new RegExp(
        `^::error::ai-scrum-master/dispatch failed: GITHUB_EVENT_PATH is "${event}", which is not JSON \\(.+\\)\\.$`,
      ),
    );
  });

  it('the root action names a missing event file', async () => {
    const event = join(dir, 'missing.json');
    const result = await runBundle(
      'main',
      { command: 'dispatch', 'github-token': 't' },
      { GITHUB_EVENT_PATH: event },
    );
    expectOneError(
      result,
      `ai-scrum-master failed: GITHUB_EVENT_PATH is "${event}", which does not exist; the runner writes the triggering event there.`,
    );
  });

  it('worker names a GITHUB_API_URL that is not a URL', async () => {
    const result = await runBundle(
      'worker',
      { 'github-token': 't', issue: '1', claim: 'c-1-1', epoch: '1' },
      { GITHUB_API_URL: 'ghe.example/api/v3' },
    );
    expectOneError(
      result,
      'ai-scrum-master/worker failed: GITHUB_API_URL is "ghe.example/api/v3", not a URL; expected an http(s) URL such as https://api.github.com.',
    );
  });

  it('merge-gate names a GITHUB_GRAPHQL_URL that is not http(s)', async () => {
    const result = await runBundle(
      'merge-gate',
      { 'github-token': 't' },
      { GITHUB_GRAPHQL_URL: 'file:///graphql' },
    );
    expectOneError(
      result,
      'ai-scrum-master/merge-gate failed: GITHUB_GRAPHQL_URL is "file:///graphql", not an http(s) URL; expected an http(s) URL such as https://api.github.com.',
    );
  });

  it('dispatch names the URL it cannot reach', async () => {
    const result = await runBundle(
      'dispatch',
      { 'github-token': 't' },
      { GITHUB_REPOSITORY: 'acme/shop', GITHUB_API_URL: 'http://127.0.0.1:9' },
    );
    expectOneError(
      result,
      'ai-scrum-master/dispatch failed: Cannot reach GitHub at http://127.0.0.1:9/graphql (the GraphQL URL derived from GITHUB_API_URL http://127.0.0.1:9) for the GraphQL query DispatchOverview: the port is one that fetch refuses to connect to.',
    );
  });
});

describe('inputs, as the bundles check them', () => {
  it.each([
    [
      { 'ledger-writers': 'alice, release bot' },
      `Invalid input 'ledger-writers': "alice, release bot". Expected GitHub logins separated by commas or new lines; "release bot" is not one.`,
    ],
    [
      { 'priority-order': 'priority:high,,priority:low' },
      `Invalid input 'priority-order': "priority:high,,priority:low". Expected label names of up to 50 characters separated by commas or new lines, none of them empty.`,
    ],
  ])('dispatch rejects %p before any request', async (inputs, message) => {
    const result = await runBundle(
      'dispatch',
      { 'github-token': 't', ...inputs },
      { GITHUB_REPOSITORY: 'acme/shop' },
    );
    expectOneError(result, `ai-scrum-master/dispatch failed: ${message}`);
  });
});

describe('GitHub’s refusals, as dispatch reports them', () => {
  it('a token GitHub does not accept', async () => {
    twin = await startTwin(shop());
    const result = await runBundle(
      'dispatch',
      { 'github-token': 'ghs_revoked' },
      twin.env('ghs_revoked'),
    );
    expectOneError(
      result,
      `ai-scrum-master/dispatch failed: GitHub did not accept the token (401 Bad credentials) for the GraphQL query DispatchOverview at GITHUB_GRAPHQL_URL ${twin.urls.graphql}: the github-token input is not a valid token there (mistyped, expired or revoked, or from another GitHub).`,
    );
  });

  it('a token whose identity may not list collaborators', async () => {
    twin = await startTwin(shop());
    const result = await runBundle(
      'dispatch',
      { 'github-token': 'ghp_mallory' },
      { ...twin.env('ghp_mallory'), AI_SCRUM_WRITE_INTERVAL_MS: '0' },
    );
    expectOneError(
      result,
      'ai-scrum-master/dispatch failed: GitHub refused the GraphQL query CollaboratorPermissions (at repository.c0) to the token of mallory: FORBIDDEN Must have push access to view repository collaborators. mallory needs more access to the repository (see docs/permissions.md).',
    );
  });
});
