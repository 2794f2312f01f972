import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigurationError } from '../../src/errors.js';
import type { GitHubClient } from '../../src/github/client.js';
import {
  addProjectItemsMutation,
  PROJECT_WRITE_BATCH,
  projectStatusQuery,
  setProjectStatusMutation,
} from '../../src/github/graphql/projects.js';
import { RecordingLogger } from '../../src/logger.js';
import {
  parseProjectUrl,
  STATUS_OPTIONS,
  statusOption,
  syncProjectStatus,
} from '../../src/observe/projects.js';
import type { ProjectRef, ProjectStatus } from '../../src/observe/types.js';
import { graphqlSchemaErrors } from '../support/contracts.js';
import { ROOT } from '../support/source.js';

describe('parseProjectUrl', () => {
  it('reads no board from an empty input', () => {
    expect(parseProjectUrl('')).toBeNull();
    expect(parseProjectUrl('  \n')).toBeNull();
  });

  it.each([
    [
      'https://github.com/orgs/acme/projects/7',
      {
        url: 'https://github.com/orgs/acme/projects/7',
        ownerType: 'organization',
        owner: 'acme',
        number: 7,
      },
    ],
    [
      'https://github.com/users/alice/projects/12/',
      {
        url: 'https://github.com/users/alice/projects/12',
        ownerType: 'user',
        owner: 'alice',
        number: 12,
      },
    ],
    [
      ' https://github.com/orgs/my-org/projects/3/views/2 ',
      {
        url: 'https://github.com/orgs/my-org/projects/3',
        ownerType: 'organization',
        owner: 'my-org',
        number: 3,
      },
    ],
    [
      'https://ghe.example.com/orgs/acme/projects/1/views/4/?pane=issue',
      {
        url: 'https://ghe.example.com/orgs/acme/projects/1',
        ownerType: 'organization',
        owner: 'acme',
        number: 1,
      },
    ],
  ])('reads %s', (input, expected) => {
    expect(parseProjectUrl(input)).toEqual(expected);
  });

  it.each([
    'acme/1',
    'https://github.com/acme/shop/projects/1',
    'https://github.com/orgs/acme/projects/0',
    'https://github.com/orgs/acme/projects/x',
    'https://github.com/orgs/acme/projects/99999999999',
    'https://github.com/teams/acme/projects/1',
    'https://github.com/orgs/-acme/projects/1',
    'ftp://github.com/orgs/acme/projects/1',
    'https://user:secret@github.com/orgs/acme/projects/1',
  ])('refuses %s, naming the input and the forms it takes', (input) => {
    expect(() => parseProjectUrl(input)).toThrow(ConfigurationError);
    expect(() => parseProjectUrl(input)).toThrow(
      /^Invalid input 'project': ".*"\. Expected the URL of a Projects board: https:\/\/github\.com\/orgs\/ORG\/projects\/N or https:\/\/github\.com\/users\/USER\/projects\/N/,
    );
  });
});

const options = (...names: string[]) => names.map((name, i) => ({ id: `o${i}`, name }));

describe('statusOption', () => {
  const cases: [string, string[], Record<ProjectStatus, string | undefined>][] = [
    [
      'a board with GitHub’s default Status',
      ['Todo', 'In Progress', 'Done'],
      {
        queued: 'Todo',
        'in progress': 'In Progress',
        'in review': 'In Progress',
        done: 'Done',
        failed: undefined,
      },
    ],
    [
      'GitHub’s team planning template',
      ['Backlog', 'Ready', 'In progress', 'In review', 'Done'],
      {
        queued: 'Ready',
        'in progress': 'In progress',
        'in review': 'In review',
        done: 'Done',
        failed: undefined,
      },
    ],
    [
      'a board with every status, spelt its own way',
      ['🕐 queued', 'to-do', 'IN_PROGRESS', 'In Review 👀', 'done ✅', 'Failed!'],
      {
        queued: '🕐 queued',
        'in progress': 'IN_PROGRESS',
        'in review': 'In Review 👀',
        done: 'done ✅',
        failed: 'Failed!',
      },
    ],
  ];
  it.each(cases)('maps the statuses on %s', (_name, names, expected) => {
    const mapped = Object.fromEntries(
      (Object.keys(STATUS_OPTIONS) as ProjectStatus[]).map((status) => [
        status,
        statusOption(status, options(...names))?.name,
      ]),
    );
    expect(mapped).toEqual(expected);
  });

  it('is the mapping docs/projects.md shows', () => {
    const docs = readFileSync(join(ROOT, 'docs/projects.md'), 'utf8');
    const table =
      /<!-- status-mapping -->([\s\S]*?)<!-- \/status-mapping -->/.exec(docs)?.[1] ?? '';
    const rows = [
      ...table.matchAll(/^\| (queued|in progress|in review|done|failed) +\| (.+?) +\|/gm),
    ];
    expect(
      Object.fromEntries(
        rows.map((row) => [row[1], [...row[2]!.matchAll(/`([^`]+)`/g)].map((m) => m[1])]),
      ),
    ).toEqual(STATUS_OPTIONS);
  });
});

describe('the board’s GraphQL documents', () => {
  it.each([
    ['ProjectStatus on an organization', projectStatusQuery('organization', [1, 22])],
    ['ProjectStatus on a user', projectStatusQuery('user', [3])],
    ['ProjectAddItems', addProjectItemsMutation(2)],
    ['ProjectSetStatus', setProjectStatusMutation(2)],
  ])('%s is valid against GitHub’s published schema', (_name, document) => {
    expect(graphqlSchemaErrors(document)).toEqual([]);
  });
});

// ---- syncProjectStatus against a scripted client ------------------------------------------------

const BOARD: ProjectRef = {
  url: 'https://github.com/orgs/acme/projects/1',
  ownerType: 'organization',
  owner: 'acme',
  number: 1,
};
const REPO = { owner: 'acme', repo: 'shop' };
const STATUS = {
  id: 'F_status',
  name: 'Status',
  dataType: 'SINGLE_SELECT',
  options: options('Todo', 'In Progress', 'Done'),
};

interface Call {
  document: string;
  variables: Record<string, unknown>;
}

/** A GitHubClient whose GraphQL answers come from `answer`, recording each call. */
function scripted(answer: (call: Call) => unknown): { client: GitHubClient; calls: Call[] } {
  const calls: Call[] = [];
  const client = {
    rest: undefined as unknown as GitHubClient['rest'],
    graphql: async <T>(document: string, variables: Record<string, unknown> = {}) => {
      const call = { document, variables };
      calls.push(call);
      const result = answer(call);
      if (result instanceof Error) throw result;
      return result as T;
    },
  };
  return { client, calls };
}

/** What Octokit throws for an answer with `errors`: the errors and the partial data. */
const graphqlErrors = (
  data: unknown,
  errors: { type?: string; message: string; path?: string[] }[],
) => Object.assign(new Error(errors.map((e) => e.message).join('\n')), { data, errors });

/** GitHub's answer to ProjectStatus: the board, and issues given as [number, item on board?, option id]. */
function boardAnswer(
  issues: [number, string | null, string | null][],
  fields: unknown[] = [STATUS],
) {
  return {
    owner: {
      projectV2: { id: 'PVT_1', title: 'Roadmap', url: BOARD.url, fields: { nodes: fields } },
    },
    repository: Object.fromEntries(
      issues.map(([n, item, option]) => [
        `i${n}`,
        {
          id: `I_${n}`,
          projectItems: {
            pageInfo: { hasNextPage: false },
            nodes: item
              ? [
                  { id: 'PVTI_other', project: { id: 'PVT_2' }, status: { optionId: 'o2' } },
                  {
                    id: item,
                    project: { id: 'PVT_1' },
                    status: option ? { optionId: option } : null,
                  },
                ]
              : [],
          },
        },
      ]),
    ),
  };
}

/** Answers writes alias by alias, as GitHub does. */
function writeAnswer(call: Call): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(call.variables)) {
    if (/^c\d+$/.test(key)) data[`a${key.slice(1)}`] = { item: { id: `PVTI_${String(value)}` } };
    if (/^i\d+$/.test(key)) data[`s${key.slice(1)}`] = { projectV2Item: { id: value } };
  }
  return data;
}

const operation = (call: Call) => /(?:query|mutation) (\w+)/.exec(call.document)![1];

describe('syncProjectStatus', () => {
  it('sends nothing when nothing changed', async () => {
    const { client, calls } = scripted(() => {
      throw new Error('no request expected');
    });
    expect(await syncProjectStatus(client, BOARD, REPO, [], new RecordingLogger())).toEqual({
      updated: 0,
      warnings: [],
    });
    expect(calls).toEqual([]);
  });

  it('reads once, adds the issues not on the board, and sets only the Status values that differ', async () => {
    const { client, calls } = scripted((call) =>
      operation(call) === 'ProjectStatus'
        ? boardAnswer([
            [1, null, null],
            [2, 'PVTI_2', 'o1'],
            [3, 'PVTI_3', 'o0'],
          ])
        : writeAnswer(call),
    );
    const logger = new RecordingLogger();
    const result = await syncProjectStatus(
      client,
      BOARD,
      REPO,
      [
        { issue: 1, status: 'done' },
        { issue: 2, status: 'in progress' },
        { issue: 3, status: 'done' },
        { issue: 1, status: 'queued' },
      ],
      logger,
    );
    expect(result).toEqual({ updated: 2, warnings: [] });
    expect(calls.map(operation)).toEqual(['ProjectStatus', 'ProjectAddItems', 'ProjectSetStatus']);
    expect(calls[0]!.variables).toEqual({ login: 'acme', number: 1, owner: 'acme', name: 'shop' });
    expect(calls[0]!.document.match(/issue\(number: \d+\)/g)).toEqual([
      'issue(number: 1)',
      'issue(number: 2)',
      'issue(number: 3)',
    ]);
    expect(calls[1]!.variables).toEqual({ project: 'PVT_1', c0: 'I_1' });
    // #2 already shows In Progress; #1 (new) becomes Todo, the last change for it; #3 becomes Done.
    expect(calls[2]!.variables).toEqual({
      project: 'PVT_1',
      field: 'F_status',
      i0: 'PVTI_I_1',
      o0: 'o0',
      i1: 'PVTI_3',
      o1: 'o2',
    });
    expect(logger.lines).toEqual([
      {
        level: 'info',
        message:
          'Project board https://github.com/orgs/acme/projects/1: Status set for #1 (Todo), #3 (Done).',
      },
    ]);
  });

  it('splits writes past PROJECT_WRITE_BATCH issues', async () => {
    const count = PROJECT_WRITE_BATCH + 20;
    const issues = Array.from({ length: count }, (_, i) => i + 1);
    const { client, calls } = scripted((call) =>
      operation(call) === 'ProjectStatus'
        ? boardAnswer(issues.map((n) => [n, null, null]))
        : writeAnswer(call),
    );
    const result = await syncProjectStatus(
      client,
      BOARD,
      REPO,
      issues.map((issue) => ({ issue, status: 'queued' as const })),
      new RecordingLogger(),
    );
    expect(result).toEqual({ updated: count, warnings: [] });
    expect(calls.map(operation)).toEqual([
      'ProjectStatus',
      'ProjectAddItems',
      'ProjectAddItems',
      'ProjectSetStatus',
      'ProjectSetStatus',
    ]);
    expect(Object.keys(calls[2]!.variables)).toHaveLength(21);
  });

  it('never throws: a failed request becomes a warning, also logged', async () => {
    const { client } = scripted(() => new Error('connect ECONNREFUSED 127.0.0.1:443'));
    const logger = new RecordingLogger();
    const result = await syncProjectStatus(
      client,
      BOARD,
      REPO,
      [{ issue: 1, status: 'done' }],
      logger,
    );
    expect(result).toEqual({
      updated: 0,
      warnings: [
        'Could not read the project board https://github.com/orgs/acme/projects/1: connect ECONNREFUSED 127.0.0.1:443',
      ],
    });
    expect(logger.lines).toEqual([{ level: 'warning', message: result.warnings[0] }]);

    const broken = scripted(() => ({ owner: { projectV2: { id: 'PVT_1' } } })).client;
    const odd = await syncProjectStatus(
      broken,
      BOARD,
      REPO,
      [{ issue: 1, status: 'done' }],
      logger,
    );
    expect(odd.updated).toBe(0);
    expect(odd.warnings).toHaveLength(1);
  });

  it('keeps what a write did when some of its issues fail, naming them', async () => {
    const { client } = scripted((call) => {
      if (operation(call) === 'ProjectStatus')
        return boardAnswer([
          [1, null, null],
          [2, null, null],
          [3, 'PVTI_3', null],
        ]);
      const data = writeAnswer(call);
      if (operation(call) === 'ProjectAddItems') {
        data['a1'] = null;
        return graphqlErrors(data, [
          {
            type: 'NOT_FOUND',
            message: "Could not resolve to a node with the global id of 'I_2'",
            path: ['a1'],
          },
        ]);
      }
      data['s0'] = null;
      return graphqlErrors(data, [{ type: 'FORBIDDEN', message: 'nope', path: ['s0'] }]);
    });
    const result = await syncProjectStatus(
      client,
      BOARD,
      REPO,
      [1, 2, 3].map((issue) => ({ issue, status: 'done' as const })),
      new RecordingLogger(),
    );
    expect(result.updated).toBe(1);
    expect(result.warnings).toEqual([
      `Could not add #2 to the project board ${BOARD.url}: "Could not resolve to a node with the global id of 'I_2'".`,
      expect.stringMatching(
        /^Could not set the Status of #1 on the project board .*: "nope"\. The token needs write access/,
      ),
    ]);
  });

  it('reads on past an issue GitHub could not find', async () => {
    const { client, calls } = scripted((call) => {
      if (operation(call) !== 'ProjectStatus') return writeAnswer(call);
      const data = boardAnswer([[1, null, null]]);
      (data.repository as Record<string, unknown>)['i7'] = null;
      return graphqlErrors(data, [
        {
          type: 'NOT_FOUND',
          message: 'Could not resolve to an Issue with the number of 7.',
          path: ['repository', 'i7'],
        },
      ]);
    });
    const result = await syncProjectStatus(
      client,
      BOARD,
      REPO,
      [
        { issue: 1, status: 'queued' },
        { issue: 7, status: 'queued' },
      ],
      new RecordingLogger(),
    );
    expect(result).toEqual({
      updated: 1,
      warnings: [
        `Issue #7 of acme/shop could not be read: "Could not resolve to an Issue with the number of 7.", so the project board ${BOARD.url} does not show it.`,
      ],
    });
    expect(calls).toHaveLength(3);
  });

  it('says a classic token lacks the project scope', async () => {
    const message =
      "Your token has not been granted the required scopes to execute this query. The 'projectV2' field requires one of the following scopes: ['read:project'], but your token has only been granted the: ['repo'] scopes.";
    const { client } = scripted(() =>
      graphqlErrors({ owner: { projectV2: null }, repository: null }, [
        { type: 'INSUFFICIENT_SCOPES', message, path: ['owner', 'projectV2'] },
      ]),
    );
    const result = await syncProjectStatus(
      client,
      BOARD,
      REPO,
      [{ issue: 1, status: 'done' }],
      new RecordingLogger(),
    );
    expect(result.warnings).toEqual([
      `Could not read the project board ${BOARD.url}: ${JSON.stringify(message)}. A personal access token (classic) needs the \`project\` scope.`,
    ]);
  });

  it('names a Status field that is not single select', async () => {
    const { client, calls } = scripted(() =>
      boardAnswer(
        [[1, null, null]],
        [
          { id: 'F_t', name: 'Title', dataType: 'TITLE' },
          { id: 'F_s', name: 'status', dataType: 'TEXT' },
        ],
      ),
    );
    const result = await syncProjectStatus(
      client,
      BOARD,
      REPO,
      [{ issue: 1, status: 'done' }],
      new RecordingLogger(),
    );
    expect(result.warnings).toEqual([
      `The status field of the project board ${BOARD.url} is a TEXT field, not single select, so no Status was set.`,
    ]);
    expect(calls).toHaveLength(1);
  });
});
