import { afterEach, describe, expect, it } from '@jest/globals';
import { startTwin, type Twin } from '../../src/twin/index.js';
import { client, shopFixture } from '../support/twin.js';

/**
 * GraphQL `updatePullRequest` (GitHub's UpdatePullRequestInput: pullRequestId, title, body,
 * state…) and a branch's `target` as its head Commit, message included.
 */

let twin: Twin | undefined;
afterEach(async () => {
  await twin?.stop();
  twin = undefined;
});

async function shopWithPull(): Promise<Twin> {
  const fixture = shopFixture() as any;
  fixture.tokens.ghs_issues = { login: 'github-actions[bot]', permissions: { issues: 'write' } };
  fixture.pullRequests = [
    {
      number: 10,
      title: 'Add x',
      body: 'First',
      author: 'alice',
      createdAt: '2026-11-05T00:00:00Z',
      head: 'feature-x',
      files: { 'src/x.ts': 'export const x = 1;\n' },
    },
  ];
  twin = await startTwin(fixture);
  return twin;
}

const UPDATE = /* GraphQL */ `
  mutation ($id: ID!, $title: String, $body: String) {
    updatePullRequest(input: { pullRequestId: $id, title: $title, body: $body }) {
      pullRequest {
        number
        title
        body
        lastEditedAt
        editor {
          login
        }
      }
    }
  }
`;

describe('updatePullRequest', () => {
  it('edits the title and body as the REST PATCH does, recording the edit', async () => {
    const t = await shopWithPull();
    const id = t.state.item(10).nodeId;
    const answer = await client(t, 'ghs_bot').graphql(UPDATE, {
      id,
      title: 'Add x and y',
      body: 'Second',
    });
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data.updatePullRequest.pullRequest).toMatchObject({
      number: 10,
      title: 'Add x and y',
      body: 'Second',
      editor: { login: 'github-actions' },
    });
    const pull = t.state.item(10);
    expect([pull.title, pull.body]).toEqual(['Add x and y', 'Second']);
    // The creation and one edit of the body; the new title is a renamed event.
    expect(pull.edits.map((edit) => edit.body)).toEqual(['First', 'Second']);
    expect(pull.events.map((event) => event.event)).toContain('renamed');
    const rest = await client(t, 'ghs_bot').request('GET', '/repos/acme/shop/pulls/10');
    expect([rest.body.title, rest.body.body]).toEqual(['Add x and y', 'Second']);
  });

  it('leaves out what is not given, and refuses a token without pull-requests: write', async () => {
    const t = await shopWithPull();
    const id = t.state.item(10).nodeId;
    await client(t, 'ghs_bot').graphql(UPDATE, { id, body: 'Only the body' });
    expect([t.state.item(10).title, t.state.item(10).body]).toEqual(['Add x', 'Only the body']);

    const refused = await client(t, 'ghs_issues').graphql(UPDATE, { id, body: 'no' });
    expect(refused.body).toMatchObject({
      data: null,
      errors: [{ type: 'FORBIDDEN', message: 'Resource not accessible by integration' }],
    });
    // Mallory may not edit alice's pull request.
    const mallory = await client(t, 'ghp_mallory').graphql(UPDATE, { id, body: 'no' });
    expect(mallory.body.errors?.[0]?.type).toBe('FORBIDDEN');
    expect(t.state.item(10).body).toBe('Only the body');
  });

  it('names the inputs it does not model', async () => {
    const t = await shopWithPull();
    const answer = await client(t, 'ghs_bot').graphql(
      `mutation ($id: ID!) { updatePullRequest(input: { pullRequestId: $id, baseRefName: "dev" }) { clientMutationId } }`,
      { id: t.state.item(10).nodeId },
    );
    expect(answer.body.errors?.[0]?.message).toBe(
      'The twin does not implement UpdatePullRequestInput.baseRefName',
    );
  });
});

describe('a branch’s target', () => {
  it('is its head commit, with its message', async () => {
    const t = await shopWithPull();
    const answer = await client(t, 'ghs_bot').graphql(/* GraphQL */ `
      query {
        repository(owner: "acme", name: "shop") {
          defaultBranchRef {
            target {
              oid
              ... on Commit {
                message
              }
            }
          }
          ref(qualifiedName: "refs/heads/feature-x") {
            target {
              oid
              ... on Commit {
                message
              }
            }
          }
          missing: ref(qualifiedName: "refs/heads/nope") {
            name
          }
        }
      }
    `);
    expect(answer.body.errors).toBeUndefined();
    const repository = answer.body.data.repository;
    expect(repository.defaultBranchRef.target.oid).toBe(await t.state.branchHead('main'));
    expect(repository.ref.target.oid).toBe(await t.state.branchHead('feature-x'));
    for (const ref of [repository.defaultBranchRef, repository.ref]) {
      const commit = await client(t, 'ghs_bot').request(
        'GET',
        `/repos/acme/shop/git/commits/${ref.target.oid}`,
      );
      // REST drops the message's final newline; the twin's GraphQL keeps git's [unverified].
      expect(ref.target.message.replace(/\n$/, '')).toBe(commit.body.message);
      expect(ref.target.message).toMatch(/\S/);
    }
    expect(repository.missing).toBeNull();
  });
});
