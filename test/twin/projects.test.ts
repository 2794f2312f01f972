import { afterEach, describe, expect, it } from '@jest/globals';
import { createGitHubClient } from '../../src/github/client.js';
import { RecordingLogger } from '../../src/logger.js';
import { syncProjectStatus } from '../../src/observe/projects.js';
import type { ProjectRef, StatusChange } from '../../src/observe/types.js';
import { FixtureError, parseFixture, startTwin, type Twin } from '../../src/twin/index.js';
import { client } from '../support/twin.js';

/**
 * Sources: GitHub's docs ("GITHUB_TOKEN is scoped to the repository level and cannot access
 * projects", quoted in actions/add-to-project#264), GitHub's answers quoted in public threads
 * ("Could not resolve to a ProjectV2 with the number 16." in actions/add-to-project#597, "The
 * single select option Id does not belong to the field" in modelcontextprotocol/inspector#1823),
 * and the published schema's AddProjectV2ItemById and UpdateProjectV2ItemFieldValue inputs.
 */

let twin: Twin | undefined;
afterEach(async () => {
  await twin?.stop();
  twin = undefined;
});

const ORG_BOARD: ProjectRef = {
  url: 'https://github.com/orgs/acme/projects/1',
  ownerType: 'organization',
  owner: 'acme',
  number: 1,
};
const USER_BOARD: ProjectRef = {
  url: 'https://github.com/users/alice/projects/2',
  ownerType: 'user',
  owner: 'alice',
  number: 2,
};
const REPO = { owner: 'acme', repo: 'shop' };

function boardFixture(): any {
  const issue = (number: number) => ({
    number,
    title: `Task ${number}`,
    author: 'alice',
    createdAt: '2026-11-01T00:00:00Z',
  });
  return {
    repository: { owner: 'acme', name: 'shop', files: { 'README.md': '# shop\n' } },
    users: [
      { login: 'alice', permission: 'admin' },
      { login: 'mallory', permission: 'read' },
      { login: 'board-app[bot]', permission: 'write' },
      { login: 'other-app[bot]', permission: 'write' },
    ],
    tokens: {
      ghs_bot: 'github-actions[bot]',
      ghs_scoped: { login: 'github-actions[bot]', permissions: { issues: 'write' } },
      ghp_alice: 'alice',
      ghp_mallory: 'mallory',
      ghs_app: 'board-app[bot]',
      ghs_other: 'other-app[bot]',
    },
    issues: [1, 2, 3, 4, 5].map(issue),
    projects: [
      {
        ownerType: 'organization',
        owner: 'acme',
        number: 1,
        title: 'Roadmap',
        access: { alice: 'admin', mallory: 'read', 'board-app[bot]': 'write' },
        items: [{ number: 5, values: { Status: 'Done' } }],
      },
      {
        ownerType: 'user',
        owner: 'alice',
        number: 2,
        title: 'Mine',
        fields: [
          { name: 'Status', options: ['Queued', 'In Progress', 'In Review', 'Done', 'Failed'] },
          { name: 'Estimate', type: 'number' },
        ],
      },
    ],
  };
}

const github = (t: Twin, token: string) =>
  createGitHubClient({
    token,
    apiUrl: t.urls.api,
    graphqlUrl: t.urls.graphql,
    writeIntervalMs: 0,
    msPerSecond: 1,
  });

/** Each issue's Status on one board, read back through GraphQL as alice. */
async function statuses(
  t: Twin,
  board: number,
  issues: number[],
): Promise<Record<number, string | null>> {
  const fields = issues.map(
    (n) => `i${n}: issue(number: ${n}) {
      projectItems(first: 10) {
        nodes {
          project { number }
          fieldValueByName(name: "Status") {
            ... on ProjectV2ItemFieldSingleSelectValue { name }
          }
        }
      }
    }`,
  );
  const answer = await client(t, 'ghp_alice').graphql(
    `query { repository(owner: "acme", name: "shop") { ${fields.join('\n')} } }`,
  );
  expect(answer.body.errors).toBeUndefined();
  const shown: Record<number, string | null> = {};
  for (const n of issues) {
    const item = answer.body.data.repository[`i${n}`].projectItems.nodes.find(
      (node: any) => node.project.number === board,
    );
    shown[n] = item ? (item.fieldValueByName?.name ?? null) : null;
  }
  return shown;
}

const changes = (entries: [number, StatusChange['status']][]): StatusChange[] =>
  entries.map(([issue, status]) => ({ issue, status }));

describe('Projects (v2) boards in the twin', () => {
  it('keeps each issue’s Status in step, in 3 requests, and a second run changes nothing in 1', async () => {
    twin = await startTwin(boardFixture());
    const logger = new RecordingLogger();
    twin.resetStats();
    const result = await syncProjectStatus(
      github(twin, 'ghp_alice'),
      ORG_BOARD,
      REPO,
      changes([
        [1, 'queued'],
        [2, 'in progress'],
        [3, 'in review'],
        [4, 'done'],
        [5, 'queued'],
      ]),
      logger,
    );
    expect(result).toEqual({ updated: 5, warnings: [] });
    expect(twin.stats().requests).toBe(3);
    expect(twin.stats().contentCreating).toBe(2);
    // The default board has no In Review: in review shows as In Progress.
    expect(await statuses(twin, 1, [1, 2, 3, 4, 5])).toEqual({
      1: 'Todo',
      2: 'In Progress',
      3: 'In Progress',
      4: 'Done',
      5: 'Todo',
    });

    twin.resetStats();
    const again = await syncProjectStatus(
      github(twin, 'ghp_alice'),
      ORG_BOARD,
      REPO,
      changes([
        [1, 'queued'],
        [2, 'in progress'],
        [3, 'in review'],
        [4, 'done'],
        [5, 'queued'],
      ]),
      logger,
    );
    expect(again).toEqual({ updated: 0, warnings: [] });
    expect(twin.stats().requests).toBe(1);
    const board = (await twin.state.snapshot())['projects'] as any[];
    expect(board[0].items.map((item: any) => item.content).sort()).toEqual([1, 2, 3, 4, 5]);
  });

  it('moves an issue already on the board with one write, the last change per issue winning', async () => {
    twin = await startTwin(boardFixture());
    twin.resetStats();
    const result = await syncProjectStatus(
      github(twin, 'ghp_alice'),
      ORG_BOARD,
      REPO,
      changes([
        [5, 'done'],
        [5, 'in progress'],
      ]),
      new RecordingLogger(),
    );
    expect(result).toEqual({ updated: 1, warnings: [] });
    expect(twin.stats().requests).toBe(2);
    expect(await statuses(twin, 1, [5])).toEqual({ 5: 'In Progress' });
  });

  it('uses a board’s own options on a user board, In Review and Failed included', async () => {
    twin = await startTwin(boardFixture());
    const result = await syncProjectStatus(
      github(twin, 'ghp_alice'),
      USER_BOARD,
      REPO,
      changes([
        [1, 'queued'],
        [2, 'in review'],
        [3, 'failed'],
      ]),
      new RecordingLogger(),
    );
    expect(result).toEqual({ updated: 3, warnings: [] });
    expect(await statuses(twin, 2, [1, 2, 3])).toEqual({
      1: 'Queued',
      2: 'In Review',
      3: 'Failed',
    });
  });

  it('warns when the board has no option for a status, naming the options it has', async () => {
    twin = await startTwin(boardFixture());
    const logger = new RecordingLogger();
    const result = await syncProjectStatus(
      github(twin, 'ghp_alice'),
      ORG_BOARD,
      REPO,
      changes([
        [1, 'failed'],
        [2, 'failed'],
        [3, 'done'],
      ]),
      logger,
    );
    expect(result.updated).toBe(1);
    expect(result.warnings).toEqual([
      expect.stringMatching(
        /no Status option for failed .*#1, #2 are left as they are; its options are: Todo, In Progress, Done\./,
      ),
    ]);
    expect(logger.lines.filter((line) => line.level === 'warning')).toHaveLength(1);
    expect(await statuses(twin, 1, [1, 2, 3])).toEqual({ 1: null, 2: null, 3: 'Done' });
  });

  it('gives a GITHUB_TOKEN a warning naming the token it takes, not a throw', async () => {
    twin = await startTwin(boardFixture());
    for (const token of ['ghs_bot', 'ghs_scoped']) {
      twin.resetStats();
      const result = await syncProjectStatus(
        github(twin, token),
        ORG_BOARD,
        REPO,
        changes([[1, 'queued']]),
        new RecordingLogger(),
      );
      expect(result.updated).toBe(0);
      expect(result.warnings).toEqual([
        expect.stringContaining('"Resource not accessible by integration"'),
      ]);
      expect(result.warnings[0]).toContain(
        'A GITHUB_TOKEN cannot reach user or organization projects',
      );
      expect(result.warnings[0]).toContain('`project-token`');
      expect(twin.stats().requests).toBe(1);
    }
    expect(await statuses(twin, 1, [1])).toEqual({ 1: null });
  });

  it('warns when the token may read the board but not change it', async () => {
    twin = await startTwin(boardFixture());
    const result = await syncProjectStatus(
      github(twin, 'ghp_mallory'),
      ORG_BOARD,
      REPO,
      changes([
        [1, 'queued'],
        [5, 'in progress'],
      ]),
      new RecordingLogger(),
    );
    expect(result.updated).toBe(0);
    expect(result.warnings).toEqual([
      expect.stringMatching(/^Could not add #1 to the project board .*needs write access/),
      expect.stringMatching(
        /^Could not set the Status of #5 on the project board .*needs write access/,
      ),
    ]);
  });

  it('lets an app reach an organization board it was given, and no other', async () => {
    twin = await startTwin(boardFixture());
    const ok = await syncProjectStatus(
      github(twin, 'ghs_app'),
      ORG_BOARD,
      REPO,
      changes([[1, 'done']]),
      new RecordingLogger(),
    );
    expect(ok).toEqual({ updated: 1, warnings: [] });
    const refused = await syncProjectStatus(
      github(twin, 'ghs_other'),
      ORG_BOARD,
      REPO,
      changes([[1, 'queued']]),
      new RecordingLogger(),
    );
    expect(refused.warnings).toEqual([
      expect.stringContaining('"Resource not accessible by integration"'),
    ]);
  });

  it('names what is missing: the board, the Status field, the issue', async () => {
    const fixture = boardFixture();
    fixture.projects[1].fields = [{ name: 'Estimate', type: 'number' }];
    twin = await startTwin(fixture);
    const sync = (ref: ProjectRef, issues: number[]) =>
      syncProjectStatus(
        github(twin!, 'ghp_alice'),
        ref,
        REPO,
        issues.map((issue) => ({ issue, status: 'queued' as const })),
        new RecordingLogger(),
      );
    expect((await sync({ ...ORG_BOARD, number: 9 }, [1])).warnings).toEqual([
      expect.stringContaining('"Could not resolve to a ProjectV2 with the number 9."'),
    ]);
    expect((await sync({ ...ORG_BOARD, owner: 'nobody' }, [1])).warnings).toEqual([
      expect.stringContaining(`"Could not resolve to an Organization with the login of 'nobody'."`),
    ]);
    expect((await sync(USER_BOARD, [1])).warnings).toEqual([
      'The project board https://github.com/users/alice/projects/2 has no single-select Status field, so no Status was set; its fields are: Title, Estimate. Add a single-select field named Status.',
    ]);
    const result = await sync(ORG_BOARD, [1, 99]);
    expect(result.updated).toBe(1);
    expect(result.warnings).toEqual([
      'Issue #99 of acme/shop was not found, so the project board https://github.com/orgs/acme/projects/1 does not show it.',
    ]);
  });
});

describe('the twin’s board GraphQL', () => {
  const BOARD_QUERY = `query($n: Int!) {
    organization(login: "acme") {
      login
      projectV2(number: $n) {
        number title public
        status: field(name: "Status") {
          ... on ProjectV2SingleSelectField { dataType options { name color } }
        }
        fields(first: 10) { nodes { ... on ProjectV2FieldCommon { name dataType } } }
        items(first: 10) {
          nodes {
            type
            content { ... on Issue { number } }
            fieldValueByName(name: "Status") { ... on ProjectV2ItemFieldSingleSelectValue { name } }
            fieldValues(first: 10) {
              nodes {
                __typename
                ... on ProjectV2ItemFieldTextValue { text }
                ... on ProjectV2ItemFieldSingleSelectValue { name }
              }
            }
          }
        }
      }
    }
  }`;

  it('shows a seeded board: GitHub’s default Status options, a Title field, its items', async () => {
    twin = await startTwin(boardFixture());
    const answer = await client(twin, 'ghp_mallory').graphql(BOARD_QUERY, { n: 1 });
    expect(answer.body).toEqual({
      data: {
        organization: {
          login: 'acme',
          projectV2: {
            number: 1,
            title: 'Roadmap',
            public: false,
            status: {
              dataType: 'SINGLE_SELECT',
              options: [
                { name: 'Todo', color: 'GREEN' },
                { name: 'In Progress', color: 'YELLOW' },
                { name: 'Done', color: 'PURPLE' },
              ],
            },
            fields: {
              nodes: [
                { name: 'Title', dataType: 'TITLE' },
                { name: 'Status', dataType: 'SINGLE_SELECT' },
              ],
            },
            items: {
              nodes: [
                {
                  type: 'ISSUE',
                  content: { number: 5 },
                  fieldValueByName: { name: 'Done' },
                  fieldValues: {
                    nodes: [
                      { __typename: 'ProjectV2ItemFieldTextValue', text: 'Task 5' },
                      { __typename: 'ProjectV2ItemFieldSingleSelectValue', name: 'Done' },
                    ],
                  },
                },
              ],
            },
          },
        },
      },
    });
  });

  it('refuses a GITHUB_TOKEN at the board, keeping the rest of the answer', async () => {
    twin = await startTwin(boardFixture());
    const answer = await client(twin, 'ghs_bot').graphql(
      `query { organization(login: "acme") { login projectV2(number: 1) { id } }
        repository(owner: "acme", name: "shop") { issue(number: 5) { number projectItems(first: 5) { totalCount } } } }`,
    );
    expect(answer.body).toEqual({
      data: {
        organization: { login: 'acme', projectV2: null },
        // Items on boards the token cannot see are not listed.
        repository: { issue: { number: 5, projectItems: { totalCount: 0 } } },
      },
      errors: [
        expect.objectContaining({
          type: 'FORBIDDEN',
          path: ['organization', 'projectV2'],
          message: 'Resource not accessible by integration',
        }),
      ],
    });
  });

  it('hides a private board from a person without access, and knows no other owners', async () => {
    const fixture = boardFixture();
    fixture.users.push({ login: 'bob', permission: 'write' });
    fixture.tokens.ghp_bob = 'bob';
    twin = await startTwin(fixture);
    const bob = client(twin, 'ghp_bob');
    const hidden = await bob.graphql(
      'query { user(login: "alice") { projectV2(number: 2) { id } } }',
    );
    expect(hidden.body.errors).toEqual([
      expect.objectContaining({
        type: 'NOT_FOUND',
        path: ['user', 'projectV2'],
        message: 'Could not resolve to a ProjectV2 with the number 2.',
      }),
    ]);
    const org = await bob.graphql('query { user(login: "acme") { login } }');
    expect(org.body.errors[0]).toMatchObject({
      type: 'NOT_FOUND',
      message: "Could not resolve to a User with the login of 'acme'.",
    });
  });

  it('adds an item once (addProjectV2ItemById is idempotent) and checks the option belongs to the field', async () => {
    twin = await startTwin(boardFixture());
    const alice = client(twin, 'ghp_alice');
    const ids = (
      await alice.graphql(`query {
        organization(login: "acme") { projectV2(number: 1) { id
          field(name: "Status") { ... on ProjectV2SingleSelectField { id options { id name } } } } }
        repository(owner: "acme", name: "shop") { issue(number: 1) { id } } }`)
    ).body.data;
    const board = ids.organization.projectV2;
    const add = `mutation($p: ID!, $c: ID!) { addProjectV2ItemById(input: { projectId: $p, contentId: $c }) { item { id } } }`;
    const first = await alice.graphql(add, { p: board.id, c: ids.repository.issue.id });
    const second = await alice.graphql(add, { p: board.id, c: ids.repository.issue.id });
    expect(second.body.data.addProjectV2ItemById.item.id).toBe(
      first.body.data.addProjectV2ItemById.item.id,
    );
    const set = `mutation($p: ID!, $i: ID!, $f: ID!, $o: String!) {
      updateProjectV2ItemFieldValue(input: { projectId: $p, itemId: $i, fieldId: $f, value: { singleSelectOptionId: $o } }) {
        projectV2Item { fieldValueByName(name: "Status") { ... on ProjectV2ItemFieldSingleSelectValue { name optionId } } } } }`;
    const item = first.body.data.addProjectV2ItemById.item.id;
    const wrong = await alice.graphql(set, { p: board.id, i: item, f: board.field.id, o: 'nope' });
    expect(wrong.body.errors).toEqual([
      expect.objectContaining({
        type: 'UNPROCESSABLE',
        message: 'The single select option Id does not belong to the field',
      }),
    ]);
    const done = board.field.options.find((o: any) => o.name === 'Done');
    const right = await alice.graphql(set, { p: board.id, i: item, f: board.field.id, o: done.id });
    expect(right.body.data.updateProjectV2ItemFieldValue.projectV2Item.fieldValueByName).toEqual({
      name: 'Done',
      optionId: done.id,
    });
    const node = await alice.graphql(
      'query($id: ID!) { node(id: $id) { ... on ProjectV2Item { content { ... on Issue { number } } } } }',
      { id: item },
    );
    expect(node.body.data.node).toEqual({ content: { number: 1 } });
  });
});

describe('board fixtures', () => {
  it('says what is wrong with a board, and where', () => {
    const fixture = boardFixture();
    fixture.projects.push({
      ownerType: 'user',
      owner: 'alice',
      number: 2,
      fields: [{ name: 'Title', type: 'text' }],
      access: { 'github-actions[bot]': 'write', 'board-app[bot]': 'read', eve: 'read' },
      items: [{ number: 42 }, { number: 1, values: { Status: 'Later' } }, { number: 1 }],
    });
    fixture.projects.push({ ownerType: 'organization', owner: 'mallory', number: 1 });
    expect(() => parseFixture(fixture)).toThrow(FixtureError);
    let message = '';
    try {
      parseFixture(fixture);
    } catch (error) {
      message = (error as Error).message;
    }
    const at = 'fixture.projects[2]';
    for (const problem of [
      `${at}.number: alice already has a board numbered 2`,
      `${at}.fields[0].name: 'Title' is taken (every board has its Title field)`,
      `${at}.access.github-actions[bot]: a GITHUB_TOKEN cannot reach user or organization projects`,
      `${at}.access.board-app[bot]: GitHub Apps cannot reach a user's projects`,
      `${at}.access.eve: unknown user 'eve' (add it to fixture.users)`,
      `${at}.items[0].number: no issue or pull request #42 in the fixture`,
      `${at}.items[1].values: the board has no field 'Status'`,
      `${at}.items[2].number: #1 is already on the board`,
      `fixture.projects[3].owner: 'mallory' is listed in fixture.users, as a user`,
    ])
      expect(message).toContain(problem);
  });
});
