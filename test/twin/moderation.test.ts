import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { startTwin, type Twin } from '../../src/twin/index.js';
import { graphqlSchemaErrors, responseProblems } from '../support/contracts.js';
import { client, shopFixture } from '../support/twin.js';

/**
 * What people with different roles can do to issues and comments, and the traces it leaves:
 * edits with their history, deletions, hidden comments, closing, reopening and labels.
 */

let twin: Twin;
const repo = '/repos/acme/shop';

beforeEach(async () => {
  const fixture = shopFixture();
  fixture.users!.push(
    { login: 'bob', permission: 'write' },
    { login: 'trudy', permission: 'triage' },
  );
  Object.assign(fixture.tokens!, { ghp_bob: 'bob', ghp_trudy: 'trudy' });
  twin = await startTwin(fixture);
});
afterEach(async () => {
  await twin.stop();
});

const as = (token: string) => client(twin, token);

/** A REST call whose answer must match GitHub's OpenAPI description for its route. */
async function rest(token: string, method: string, path: string, template: string, body?: unknown) {
  const answer = await as(token).request(method, path, body);
  expect(responseProblems(method, template, answer.status, answer.body)).toEqual([]);
  return answer;
}

/** A GraphQL call whose document must be valid against GitHub's published schema. */
async function gql(token: string, document: string, variables: Record<string, unknown> = {}) {
  expect(graphqlSchemaErrors(document)).toEqual([]);
  return (await as(token).graphql(document, variables)).body;
}

const COMMENTS = /* GraphQL */ `
  query Comments($number: Int!) {
    repository(owner: "acme", name: "shop") {
      issue(number: $number) {
        comments(first: 20) {
          totalCount
          nodes {
            id
            databaseId
            body
            createdAt
            updatedAt
            lastEditedAt
            includesCreatedEdit
            isMinimized
            minimizedReason
            viewerCanUpdate
            viewerCanDelete
            viewerCanMinimize
            author {
              __typename
              login
            }
            editor {
              __typename
              login
            }
            userContentEdits(first: 10) {
              totalCount
              nodes {
                editedAt
                diff
                editor {
                  __typename
                  login
                }
              }
            }
          }
        }
        timelineItems(first: 20, itemTypes: [COMMENT_DELETED_EVENT]) {
          totalCount
          nodes {
            __typename
            ... on CommentDeletedEvent {
              createdAt
              actor {
                __typename
                login
              }
              deletedCommentAuthor {
                __typename
                login
              }
            }
          }
        }
      }
    }
  }
`;

async function comments(number = 1, token = 'ghs_bot') {
  return (await gql(token, COMMENTS, { number })).data.repository.issue;
}

async function comment(token: string, body: string, number = 1) {
  return (await as(token).request('POST', `${repo}/issues/${number}/comments`, { body })).body;
}

const COMMENT = '/repos/{owner}/{repo}/issues/comments/{comment_id}';

describe('deleting a comment', () => {
  it('lets the author delete their own: 204, gone from REST and GraphQL, a CommentDeletedEvent', async () => {
    const own = await comment('ghp_mallory', 'mine');
    expect((await comments()).comments.totalCount).toBe(2);
    const deleted = await rest(
      'ghp_mallory',
      'DELETE',
      `${repo}/issues/comments/${own.id}`,
      COMMENT,
    );
    expect([deleted.status, deleted.body]).toEqual([204, undefined]);
    const listed = await as('ghs_bot').request('GET', `${repo}/issues/1/comments`);
    expect(listed.body.map((c: { id: number }) => c.id)).not.toContain(own.id);
    expect((await as('ghs_bot').request('GET', `${repo}/issues/comments/${own.id}`)).status).toBe(
      404,
    );
    const issue = await comments();
    expect(issue.comments.totalCount).toBe(1);
    expect(issue.timelineItems).toEqual({
      totalCount: 1,
      nodes: [
        {
          __typename: 'CommentDeletedEvent',
          createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
          actor: { __typename: 'User', login: 'mallory' },
          deletedCommentAuthor: { __typename: 'User', login: 'mallory' },
        },
      ],
    });
  });

  it('lets a user with write access delete anyone’s, and names both in the event', async () => {
    const seeded = (await as('ghs_bot').request('GET', `${repo}/issues/1/comments`)).body[0];
    expect(seeded.user.login).toBe('mallory');
    expect(
      (await as('ghp_bob').request('DELETE', `${repo}/issues/comments/${seeded.id}`)).status,
    ).toBe(204);
    const bot = await comment('ghs_bot', 'from the bot');
    expect(
      (await as('ghp_bob').request('DELETE', `${repo}/issues/comments/${bot.id}`)).status,
    ).toBe(204);
    const events = (await comments()).timelineItems.nodes;
    expect(events.map((e: any) => [e.actor.login, e.deletedCommentAuthor])).toEqual([
      ['bob', { __typename: 'User', login: 'mallory' }],
      ['bob', { __typename: 'Bot', login: 'github-actions' }],
    ]);
  });

  it('refuses triage and read users deleting others’ comments (403), and answers 404 for none', async () => {
    const bots = await comment('ghs_bot', 'ledger entry');
    for (const token of ['ghp_trudy', 'ghp_mallory']) {
      const refused = await as(token).request('DELETE', `${repo}/issues/comments/${bots.id}`);
      expect([refused.status, refused.body.message]).toEqual([
        403,
        'Resource not accessible by integration',
      ]);
    }
    expect((await as('ghs_bot').request('GET', `${repo}/issues/comments/${bots.id}`)).status).toBe(
      200,
    );
    expect((await as('ghp_bob').request('DELETE', `${repo}/issues/comments/999999`)).status).toBe(
      404,
    );
    expect((await comments()).timelineItems.totalCount).toBe(0);
  });

  it('shows the deletion in the REST timeline as a comment_deleted event', async () => {
    const own = await comment('ghp_mallory', 'mine');
    await as('ghp_mallory').request('DELETE', `${repo}/issues/comments/${own.id}`);
    const timeline = await rest(
      'ghs_bot',
      'GET',
      `${repo}/issues/1/timeline`,
      '/repos/{owner}/{repo}/issues/{issue_number}/timeline',
    );
    const events = timeline.body.map((e: any) => e.event);
    expect(events).toEqual(['labeled', 'commented', 'comment_deleted']);
    expect(timeline.body[2].actor.login).toBe('mallory');
    expect(timeline.body[1]).toMatchObject({ body: 'hi', user: { login: 'mallory' } });
  });

  it('deletes through GraphQL deleteIssueComment with the same rules', async () => {
    const bots = await comment('ghs_bot', 'x');
    const DELETE = /* GraphQL */ `
      mutation Delete($id: ID!) {
        deleteIssueComment(input: { id: $id }) {
          clientMutationId
        }
      }
    `;
    const refused = await gql('ghp_trudy', DELETE, { id: bots.node_id });
    expect(refused.errors[0]).toMatchObject({ type: 'FORBIDDEN' });
    expect((await gql('ghp_bob', DELETE, { id: bots.node_id })).errors).toBeUndefined();
    expect((await comments()).comments.totalCount).toBe(1);
  });
});

describe('editing a comment', () => {
  it('moves updated_at and keeps the history, creation included once edited, newest first', async () => {
    const own = await comment('ghp_mallory', 'first');
    let node = (await comments()).comments.nodes[1];
    expect(node).toMatchObject({
      lastEditedAt: null,
      editor: null,
      includesCreatedEdit: false,
      userContentEdits: { totalCount: 0, nodes: [] },
    });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const edited = await rest(
      'ghp_mallory',
      'PATCH',
      `${repo}/issues/comments/${own.id}`,
      COMMENT,
      { body: 'second' },
    );
    expect(edited.status).toBe(200);
    expect(edited.body.updated_at > own.updated_at).toBe(true);
    expect(edited.body.created_at).toBe(own.created_at);
    await rest('ghp_bob', 'PATCH', `${repo}/issues/comments/${own.id}`, COMMENT, {
      body: 'third',
    });
    node = (await comments()).comments.nodes[1];
    expect(node).toMatchObject({
      body: 'third',
      includesCreatedEdit: true,
      editor: { __typename: 'User', login: 'bob' },
      lastEditedAt: node.userContentEdits.nodes[0].editedAt,
    });
    expect(node.userContentEdits.totalCount).toBe(3);
    expect(
      node.userContentEdits.nodes.map((e: any) => [e.editor.login, e.diff, e.editedAt]),
    ).toEqual([
      ['bob', 'third', node.lastEditedAt],
      ['mallory', 'second', expect.any(String)],
      ['mallory', 'first', own.created_at],
    ]);
    const since = await as('ghs_bot').request(
      'GET',
      `${repo}/issues/1/comments?since=${edited.body.updated_at}`,
    );
    expect(since.body.map((c: { id: number }) => c.id)).toEqual([own.id]);
  });

  it('lets only the author and users with write access edit: triage and read get 403', async () => {
    const bots = await comment('ghs_bot', 'ledger entry');
    for (const token of ['ghp_trudy', 'ghp_mallory']) {
      const refused = await as(token).request('PATCH', `${repo}/issues/comments/${bots.id}`, {
        body: 'forged',
      });
      expect(refused.status).toBe(403);
    }
    const after = await as('ghs_bot').request('GET', `${repo}/issues/comments/${bots.id}`);
    expect([after.body.body, after.body.updated_at]).toEqual(['ledger entry', bots.updated_at]);
    const UPDATE = /* GraphQL */ `
      mutation Update($id: ID!) {
        updateIssueComment(input: { id: $id, body: "edited" }) {
          issueComment {
            body
            editor {
              login
            }
          }
        }
      }
    `;
    expect((await gql('ghp_trudy', UPDATE, { id: bots.node_id })).errors[0].type).toBe('FORBIDDEN');
    expect((await gql('ghp_bob', UPDATE, { id: bots.node_id })).data).toEqual({
      updateIssueComment: { issueComment: { body: 'edited', editor: { login: 'bob' } } },
    });
  });

  it('tells the viewer what they may do', async () => {
    await comment('ghs_bot', 'ledger');
    const rights = async (token: string) =>
      (await comments(1, token)).comments.nodes[1] as Record<string, unknown>;
    expect(await rights('ghs_bot')).toMatchObject({
      viewerCanUpdate: true,
      viewerCanDelete: true,
      viewerCanMinimize: true,
    });
    expect(await rights('ghp_trudy')).toMatchObject({
      viewerCanUpdate: false,
      viewerCanDelete: false,
      viewerCanMinimize: false,
    });
  });

  it('replays fixture edits and hidden comments', async () => {
    await twin.stop();
    const fixture = shopFixture();
    fixture.users!.push({ login: 'bob', permission: 'write' });
    fixture.issues![0]!.comments = [
      {
        author: 'mallory',
        body: 'one',
        at: '2026-11-03T00:00:00Z',
        edits: [{ by: 'bob', at: '2026-11-04T00:00:00Z', body: 'two' }],
        minimized: 'OFF_TOPIC',
      },
    ];
    twin = await startTwin(fixture);
    const node = (await comments()).comments.nodes[0];
    expect(node).toMatchObject({
      body: 'two',
      updatedAt: '2026-11-04T00:00:00Z',
      lastEditedAt: '2026-11-04T00:00:00Z',
      isMinimized: true,
      minimizedReason: 'off-topic',
      userContentEdits: {
        totalCount: 2,
        nodes: [
          { editedAt: '2026-11-04T00:00:00Z', editor: { __typename: 'User', login: 'bob' } },
          { editedAt: '2026-11-03T00:00:00Z', editor: { __typename: 'User', login: 'mallory' } },
        ],
      },
    });
  });
});

describe('hiding a comment', () => {
  const MINIMIZE = /* GraphQL */ `
    mutation Minimize($id: ID!) {
      minimizeComment(input: { subjectId: $id, classifier: OUTDATED }) {
        minimizedComment {
          isMinimized
          minimizedReason
        }
      }
    }
  `;
  const UNMINIMIZE = /* GraphQL */ `
    mutation Unminimize($id: ID!) {
      unminimizeComment(input: { subjectId: $id }) {
        unminimizedComment {
          isMinimized
        }
      }
    }
  `;

  it('needs write access; the comment stays listed, marked minimized', async () => {
    const own = await comment('ghp_mallory', 'noise');
    for (const token of ['ghp_trudy', 'ghp_mallory']) {
      const refused = await gql(token, MINIMIZE, { id: own.node_id });
      expect(refused.errors[0]).toMatchObject({
        type: 'FORBIDDEN',
        path: ['minimizeComment'],
      });
    }
    expect((await gql('ghp_bob', MINIMIZE, { id: own.node_id })).data).toEqual({
      minimizeComment: { minimizedComment: { isMinimized: true, minimizedReason: 'outdated' } },
    });
    const listed = await as('ghs_bot').request('GET', `${repo}/issues/1/comments`);
    expect(listed.body.map((c: { id: number }) => c.id)).toContain(own.id);
    expect((await comments()).comments.nodes[1]).toMatchObject({ isMinimized: true });
    expect((await gql('ghp_bob', UNMINIMIZE, { id: own.node_id })).data).toEqual({
      unminimizeComment: { unminimizedComment: { isMinimized: false } },
    });
  });
});

describe('issue bodies, state and labels', () => {
  const ISSUE = /* GraphQL */ `
    query Issue($number: Int!) {
      repository(owner: "acme", name: "shop") {
        issue(number: $number) {
          body
          state
          lastEditedAt
          includesCreatedEdit
          editor {
            login
          }
          userContentEdits(last: 10) {
            totalCount
            nodes {
              diff
              editor {
                __typename
                login
              }
            }
          }
          timelineItems(first: 20, itemTypes: [CLOSED_EVENT, REOPENED_EVENT, UNLABELED_EVENT]) {
            nodes {
              __typename
              ... on ClosedEvent {
                createdAt
                stateReason
                actor {
                  login
                }
              }
              ... on ReopenedEvent {
                createdAt
                actor {
                  login
                }
              }
              ... on UnlabeledEvent {
                createdAt
                actor {
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
  const issue = async (number: number) =>
    (await gql('ghs_bot', ISSUE, { number })).data.repository.issue;

  it('keeps every body edit with its editor, the creation included once edited', async () => {
    expect((await issue(2)).userContentEdits).toEqual({ totalCount: 0, nodes: [] });
    await as('ghp_alice').request('PATCH', `${repo}/issues/2`, { body: 'one' });
    await as('ghp_bob').request('PATCH', `${repo}/issues/2`, { body: 'two' });
    await as('ghp_bob').request('PATCH', `${repo}/issues/2`, { title: 'Only the title' });
    const found = await issue(2);
    expect(found).toMatchObject({
      body: 'two',
      includesCreatedEdit: true,
      editor: { login: 'bob' },
    });
    expect(found.userContentEdits.nodes.map((e: any) => [e.editor.login, e.diff])).toEqual([
      ['bob', 'two'],
      ['alice', 'one'],
      ['alice', ''],
    ]);
  });

  it('lets triage close, reopen and unlabel, recording the actor; the REST issue names the closer', async () => {
    const closed = await rest(
      'ghp_trudy',
      'PATCH',
      `${repo}/issues/1`,
      '/repos/{owner}/{repo}/issues/{issue_number}',
      { state: 'closed', state_reason: 'not_planned' },
    );
    expect(closed.body).toMatchObject({
      state: 'closed',
      state_reason: 'not_planned',
      closed_by: { login: 'trudy' },
    });
    await as('ghp_trudy').request('PATCH', `${repo}/issues/1`, { state: 'open' });
    const removed = await as('ghp_trudy').request('DELETE', `${repo}/issues/1/labels/ai-ready`);
    expect(removed.status).toBe(200);
    const events = (await issue(1)).timelineItems.nodes;
    expect(events.map((e: any) => [e.__typename, e.actor.login])).toEqual([
      ['ClosedEvent', 'trudy'],
      ['ReopenedEvent', 'trudy'],
      ['UnlabeledEvent', 'trudy'],
    ]);
    expect(events[0].stateReason).toBe('NOT_PLANNED');
    expect(events[2].label.name).toBe('ai-ready');
  });

  it('refuses triage editing someone else’s title or body, changing nothing', async () => {
    const refused = await as('ghp_trudy').request('PATCH', `${repo}/issues/1`, {
      body: 'rewritten',
      state: 'closed',
    });
    expect([refused.status, refused.body.message]).toEqual([
      403,
      'Resource not accessible by integration',
    ]);
    expect(await issue(1)).toMatchObject({ body: 'Touches `src/cart.ts`', state: 'OPEN' });
    expect(
      (await as('ghp_trudy').request('PATCH', `${repo}/issues/1`, { title: 'x' })).status,
    ).toBe(403);
  });

  it('drops labels in an update from someone without push access, applying the rest', async () => {
    const answer = await as('ghp_trudy').request('PATCH', `${repo}/issues/2`, {
      state: 'closed',
      labels: ['priority:high'],
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ state: 'closed', labels: [] });
    const own = await as('ghp_mallory').request('POST', `${repo}/issues`, {
      title: 'Mine',
      labels: ['ai-ready'],
    });
    expect(own.body.labels).toEqual([]);
    const edited = await as('ghp_mallory').request('PATCH', `${repo}/issues/${own.body.number}`, {
      body: 'my own',
      labels: ['ai-ready'],
    });
    expect(edited.body).toMatchObject({ body: 'my own', labels: [] });
    const bobs = await as('ghp_bob').request('PATCH', `${repo}/issues/2`, {
      labels: ['priority:high'],
    });
    expect(bobs.body.labels.map((l: { name: string }) => l.name)).toEqual(['priority:high']);
  });
});

describe('locked conversations', () => {
  const LOCK = '/repos/{owner}/{repo}/issues/{issue_number}/lock';
  const LOCKED = /* GraphQL */ `
    query Locked {
      repository(owner: "acme", name: "shop") {
        issue(number: 1) {
          locked
          activeLockReason
          timelineItems(first: 10, itemTypes: [LOCKED_EVENT, UNLOCKED_EVENT]) {
            nodes {
              __typename
              ... on LockedEvent {
                lockReason
                createdAt
                actor {
                  login
                }
              }
              ... on UnlockedEvent {
                createdAt
                actor {
                  login
                }
              }
            }
          }
        }
      }
    }
  `;

  it('needs push access to lock; REST and GraphQL show the lock and its reason', async () => {
    for (const token of ['ghp_trudy', 'ghp_mallory']) {
      const refused = await as(token).request('PUT', `${repo}/issues/1/lock`, {
        lock_reason: 'resolved',
      });
      expect(refused.status).toBe(403);
    }
    const locked = await rest('ghp_bob', 'PUT', `${repo}/issues/1/lock`, LOCK, {
      lock_reason: 'too heated',
    });
    expect([locked.status, locked.body]).toEqual([204, undefined]);
    const issue = await rest(
      'ghs_bot',
      'GET',
      `${repo}/issues/1`,
      '/repos/{owner}/{repo}/issues/{issue_number}',
    );
    expect(issue.body).toMatchObject({ locked: true, active_lock_reason: 'too heated' });
    const data = (await gql('ghs_bot', LOCKED)).data.repository.issue;
    expect(data).toMatchObject({
      locked: true,
      activeLockReason: 'TOO_HEATED',
      timelineItems: {
        nodes: [{ __typename: 'LockedEvent', lockReason: 'TOO_HEATED', actor: { login: 'bob' } }],
      },
    });
    const timeline = await rest(
      'ghs_bot',
      'GET',
      `${repo}/issues/1/timeline`,
      '/repos/{owner}/{repo}/issues/{issue_number}/timeline',
    );
    expect(timeline.body.at(-1)).toMatchObject({ event: 'locked', lock_reason: 'too heated' });
    const invalid = await as('ghp_bob').request('PUT', `${repo}/issues/2/lock`, {
      lock_reason: 'boring',
    });
    expect(invalid.status).toBe(422);
  });

  it('refuses comments from users without push access with GitHub’s 403', async () => {
    await as('ghp_bob').request('PUT', `${repo}/issues/1/lock`);
    for (const token of ['ghp_mallory', 'ghp_trudy']) {
      const refused = await as(token).request('POST', `${repo}/issues/1/comments`, { body: 'hey' });
      expect([refused.status, refused.body.message]).toEqual([
        403,
        'Unable to create comment because issue is locked.',
      ]);
      expect(refused.body.documentation_url).toMatch(/locking-conversations/);
    }
    const ADD = /* GraphQL */ `
      mutation Add($id: ID!) {
        addComment(input: { subjectId: $id, body: "hey" }) {
          clientMutationId
        }
      }
    `;
    const id = twin.state.item(1).nodeId;
    expect((await gql('ghp_mallory', ADD, { id })).errors[0]).toMatchObject({
      type: 'FORBIDDEN',
      message: 'Unable to create comment because issue is locked.',
    });
    expect(
      (await as('ghs_bot').request('POST', `${repo}/issues/1/comments`, { body: 'ok' })).status,
    ).toBe(201);
    expect((await comments()).comments.totalCount).toBe(2);
  });

  it('unlocks (204), after which everyone may comment again', async () => {
    await as('ghp_bob').request('PUT', `${repo}/issues/1/lock`, { lock_reason: 'spam' });
    expect((await as('ghp_trudy').request('DELETE', `${repo}/issues/1/lock`)).status).toBe(403);
    const unlocked = await rest('ghp_bob', 'DELETE', `${repo}/issues/1/lock`, LOCK);
    expect(unlocked.status).toBe(204);
    const data = (await gql('ghs_bot', LOCKED)).data.repository.issue;
    expect(data.locked).toBe(false);
    expect(data.activeLockReason).toBeNull();
    expect(data.timelineItems.nodes.map((n: any) => [n.__typename, n.actor.login])).toEqual([
      ['LockedEvent', 'bob'],
      ['UnlockedEvent', 'bob'],
    ]);
    expect(
      (await as('ghp_mallory').request('POST', `${repo}/issues/1/comments`, { body: 'hey' }))
        .status,
    ).toBe(201);
  });

  it('locks and unlocks through lockLockable and unlockLockable', async () => {
    const id = twin.state.item(1).nodeId;
    const LOCK_IT = /* GraphQL */ `
      mutation Lock($id: ID!) {
        lockLockable(input: { lockableId: $id, lockReason: OFF_TOPIC }) {
          actor {
            login
          }
          lockedRecord {
            locked
            activeLockReason
          }
        }
      }
    `;
    const UNLOCK_IT = /* GraphQL */ `
      mutation Unlock($id: ID!) {
        unlockLockable(input: { lockableId: $id }) {
          unlockedRecord {
            locked
          }
        }
      }
    `;
    expect((await gql('ghp_trudy', LOCK_IT, { id })).errors[0].type).toBe('FORBIDDEN');
    expect((await gql('ghp_bob', LOCK_IT, { id })).data.lockLockable).toEqual({
      actor: { login: 'bob' },
      lockedRecord: { locked: true, activeLockReason: 'OFF_TOPIC' },
    });
    expect(twin.state.item(1).lockReason).toBe('off-topic');
    expect((await gql('ghp_bob', UNLOCK_IT, { id })).data.unlockLockable).toEqual({
      unlockedRecord: { locked: false },
    });
  });

  it('replays a fixture lock', async () => {
    await twin.stop();
    const fixture = shopFixture();
    fixture.issues![0]!.lock = { by: 'alice', at: '2026-11-05T00:00:00Z', reason: 'resolved' };
    twin = await startTwin(fixture);
    const data = (await gql('ghs_bot', LOCKED)).data.repository.issue;
    expect(data).toMatchObject({
      locked: true,
      activeLockReason: 'RESOLVED',
      timelineItems: { nodes: [{ createdAt: '2026-11-05T00:00:00Z', actor: { login: 'alice' } }] },
    });
  });
});
