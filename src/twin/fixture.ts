import { z } from 'zod';

/**
 * The twin's fixture: the repository, people, tokens and backlog a scenario starts from.
 * Unknown keys are rejected, so a typo never silently becomes a default. See docs/twin.md.
 */

const isoDate = z.iso.datetime({ offset: true });
const login = z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$/, 'a GitHub login');

export const PERMISSIONS = ['admin', 'maintain', 'write', 'triage', 'read', 'none'] as const;
export type Permission = (typeof PERMISSIONS)[number];

const labelEvent = z.strictObject({ name: z.string().min(1), by: login, at: isoDate });
const comment = z.strictObject({
  author: login,
  body: z.string(),
  at: isoDate,
  /** Later revisions of the body, replayed in time order (the first also records the creation). */
  edits: z.array(z.strictObject({ by: login, at: isoDate, body: z.string() })).default([]),
  /** Hidden, with GraphQL's ReportedContentClassifiers value. */
  minimized: z.enum(['ABUSE', 'DUPLICATE', 'OFF_TOPIC', 'OUTDATED', 'RESOLVED', 'SPAM']).optional(),
});
const edit = z.strictObject({
  by: login,
  at: isoDate,
  title: z.string().optional(),
  body: z.string().optional(),
});

/** A locked conversation: who locked it, when, and why (REST's lock reasons). */
const lock = z.strictObject({
  by: login,
  at: isoDate,
  reason: z.enum(['off-topic', 'too heated', 'resolved', 'spam']).optional(),
});

const issue = z.strictObject({
  number: z.number().int().positive(),
  title: z.string().min(1).max(256),
  body: z.string().default(''),
  author: login,
  createdAt: isoDate,
  state: z.enum(['open', 'closed']).default('open'),
  labels: z.array(labelEvent).default([]),
  comments: z.array(comment).default([]),
  edits: z.array(edit).default([]),
  blockedBy: z.array(z.number().int().positive()).default([]),
  subIssues: z.array(z.number().int().positive()).default([]),
  lock: lock.optional(),
});

const repositoryName = z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, 'a repository name');

/**
 * A pull request whose head commit changes `files` on top of the base. Its head is the branch
 * `head` of this repository, or of a fork when `headRepository` names one.
 */
const pullRequest = z.strictObject({
  number: z.number().int().positive(),
  title: z.string().min(1).max(256),
  body: z.string().default(''),
  author: login,
  createdAt: isoDate,
  state: z.enum(['open', 'closed']).default('open'),
  draft: z.boolean().default(false),
  head: z.string().min(1),
  /** The fork the head branch lives in: another owner's repository (name defaults to ours). */
  headRepository: z.strictObject({ owner: login, name: repositoryName.optional() }).optional(),
  /** The base branch; the default branch when not given (the only branch a fixture creates). */
  base: z.string().min(1).optional(),
  files: z.record(z.string(), z.string()).default({}),
  labels: z.array(labelEvent).default([]),
  comments: z.array(comment).default([]),
  edits: z.array(edit).default([]),
  lock: lock.optional(),
});

const workflowRun = z.strictObject({
  id: z.number().int().positive(),
  name: z.string().default('AI Scrum Master'),
  status: z.enum(['queued', 'in_progress', 'completed', 'waiting', 'requested', 'pending']),
  conclusion: z
    .enum(['success', 'failure', 'neutral', 'cancelled', 'skipped', 'timed_out', 'action_required'])
    .nullable()
    .default(null),
  createdAt: isoDate,
  headBranch: z.string().default('main'),
});

/** A workflow of the CI model: what starts it, the check runs it reports, the command it runs. */
export const WORKFLOW_EVENTS = [
  'push',
  'pull_request',
  'workflow_dispatch',
  'repository_dispatch',
  'merge_group',
] as const;

const workflow = z.strictObject({
  name: z.string().min(1),
  /** Its file under `.github/workflows/`, which `workflow_dispatch` may name instead of the id. */
  file: z
    .string()
    .regex(/^[A-Za-z0-9._-]+\.ya?ml$/, 'a workflow file name like ci.yml')
    .optional(),
  on: z.array(z.enum(WORKFLOW_EVENTS)).min(1),
  /** Branches a `push` must update to start it (all when not given). */
  branches: z.array(z.string().min(1)).optional(),
  /** The check runs (job names) the run reports, each with the run's conclusion. */
  checks: z.array(z.string().min(1)).min(1),
  /** A shell command run in a checkout of the commit; exit code 0 is success. */
  run: z.string().min(1),
  /** Files the command leaves (coverage reports), kept as one artifact per entry. */
  artifacts: z
    .array(z.strictObject({ name: z.string().min(1), paths: z.array(z.string().min(1)).min(1) }))
    .default([]),
  /** Held runs stay queued (their checks pending) until the twin is ticked. */
  hold: z.boolean().default(false),
  timeoutMs: z.number().int().positive().max(600_000).default(120_000),
});

/** Where the twin is asynchronous, as GitHub is. */
const timing = z.strictObject({
  /** Reads of `mergeable` that answer null (`UNKNOWN`) after a push or a base change. */
  mergeableUnknownReads: z.number().int().min(0).max(100).default(1),
  /**
   * Milliseconds before update-branch, auto-merge and the merge queue act; `null` waits for an
   * explicit tick.
   */
  asyncDelayMs: z.number().int().min(0).max(60_000).nullable().default(0),
});

export const FAULT_KINDS = ['status', 'hang', 'latency', 'applied-status', 'applied-drop'] as const;

const faultRule = z
  .strictObject({
    /** `METHOD /path-template`, `*` matching anything: `POST *`, `* /graphql`, `GET /repos/*`. */
    route: z.string().min(1),
    probability: z.number().min(0).max(1),
    /**
     * `status`, `hang` and `latency` act before the request is handled; `applied-status` and
     * `applied-drop` let it be handled in full and then lose its answer (a 5xx, or no answer).
     */
    kind: z.enum(FAULT_KINDS),
    status: z
      .union([
        z.literal(500),
        z.literal(502),
        z.literal(503),
        z.literal(504),
        z.literal(429),
        z.literal(529),
      ])
      .optional(),
    ms: z.number().int().min(0).max(600_000).optional(),
  })
  .superRefine((rule, context) => {
    const problem = (message: string) => context.addIssue({ code: 'custom', message });
    if ((rule.kind === 'status' || rule.kind === 'applied-status') && rule.status === undefined)
      problem(`rule '${rule.route}' of kind ${rule.kind} needs a status`);
    if (rule.kind === 'applied-status' && rule.status !== undefined && rule.status < 500)
      problem(`rule '${rule.route}' of kind applied-status needs a 5xx status`);
    if (rule.kind === 'latency' && rule.ms === undefined)
      problem(`rule '${rule.route}' of kind latency needs ms`);
  });

export const faultsSchema = z.strictObject({
  seed: z.number().int().default(1),
  rules: z.array(faultRule).default([]),
});

/**
 * Rate limits. `restPerHour` and `graphqlPointsPerHour` are each token's own budget (apps and
 * people); every `github-actions[bot]` token of the repository shares one budget of
 * `githubTokenPerHour` for REST and one for GraphQL points, as GITHUB_TOKEN does.
 */
const limits = z.strictObject({
  enabled: z.boolean().default(true),
  restPerHour: z.number().int().positive().default(5000),
  graphqlPointsPerHour: z.number().int().positive().default(5000),
  githubTokenPerHour: z.number().int().positive().default(1000),
  secondaryEnabled: z.boolean().default(true),
  contentPerMinute: z.number().int().positive().default(80),
  contentPerHour: z.number().int().positive().default(500),
  /** Secondary points a minute: a REST GET costs 1, any other method 5 (GitHub's table). */
  restPointsPerMinute: z.number().int().positive().default(900),
  /** Secondary points a minute: a GraphQL query costs 1, a mutation 5. */
  graphqlPointsPerMinute: z.number().int().positive().default(2000),
  /** The status of a secondary-limit refusal: GitHub answers 403, sometimes 429. */
  secondaryStatus: z.union([z.literal(403), z.literal(429)]).default(403),
});

const LIMITS_DEFAULT: z.output<typeof limits> = {
  enabled: true,
  restPerHour: 5000,
  graphqlPointsPerHour: 5000,
  githubTokenPerHour: 1000,
  secondaryEnabled: true,
  contentPerMinute: 80,
  contentPerHour: 500,
  restPointsPerMinute: 900,
  graphqlPointsPerMinute: 2000,
  secondaryStatus: 403,
};

/** A board's field: a single-select one with its options, or a plain one of another type. */
const projectField = z.union([
  z.strictObject({ name: z.string().min(1), options: z.array(z.string().min(1)).min(1) }),
  z.strictObject({ name: z.string().min(1), type: z.enum(['text', 'number', 'date']) }),
]);

/** The fields of a new board on GitHub, besides its Title: Status, with Todo, In Progress and Done. */
export const DEFAULT_PROJECT_FIELDS = [
  { name: 'Status', options: ['Todo', 'In Progress', 'Done'] },
];

/**
 * A Projects (v2) board of an organization or a user: its fields, who may see or change it, and
 * the issues and pull requests on it with their single-select values by field name.
 */
const project = z.strictObject({
  ownerType: z.enum(['organization', 'user']),
  owner: login,
  number: z.number().int().positive(),
  title: z.string().min(1).default('Untitled project'),
  /** A public board can be read by anyone but a GITHUB_TOKEN. */
  public: z.boolean().default(false),
  fields: z.array(projectField).default(DEFAULT_PROJECT_FIELDS),
  /** Logins (people, and apps on organization boards) and their role on the board. */
  access: z.record(login, z.enum(['read', 'write', 'admin'])).default({}),
  items: z
    .array(
      z.strictObject({
        /** An issue or pull request of the repository. */
        number: z.number().int().positive(),
        /** Field name to option name, for single-select fields. */
        values: z.record(z.string(), z.string()).default({}),
      }),
    )
    .default([]),
});

const access = z.enum(['read', 'write', 'none']);
/** A token's permissions, as a workflow's `permissions:` block (or an app's settings) names them. */
const tokenPermissions = z.strictObject({
  actions: access.optional(),
  /** An app's permission (repository settings); a workflow's `permissions:` cannot grant it. */
  administration: access.optional(),
  checks: access.optional(),
  contents: access.optional(),
  issues: access.optional(),
  metadata: access.optional(),
  'pull-requests': access.optional(),
  statuses: access.optional(),
});
export type TokenPermissions = z.output<typeof tokenPermissions>;

/**
 * A token: the login it acts as, or `{ login, permissions }` for a token limited to the
 * permissions it lists (a GITHUB_TOKEN under a `permissions:` block): the others are `none`,
 * but `metadata`, always `read`.
 */
const tokenEntry = z.union([
  login,
  z.strictObject({ login, permissions: tokenPermissions.optional() }),
]);

export const fixtureSchema = z.strictObject({
  repository: z.strictObject({
    owner: login,
    name: repositoryName,
    defaultBranch: z.string().min(1).default('main'),
    files: z.record(z.string(), z.string()).default({}),
    protection: z
      .strictObject({
        /** A check name, or `{ context, appId }` to accept it only from that app. */
        requiredChecks: z
          .array(
            z.union([
              z.string().min(1),
              z.strictObject({ context: z.string().min(1), appId: z.number().int().positive() }),
            ]),
          )
          .default([]),
        requiredApprovals: z.number().int().min(0).max(6).default(0),
        requireUpToDate: z.boolean().default(false),
        /** Merges go through a merge queue; direct merges are refused. */
        mergeQueue: z.boolean().default(false),
        allowForcePushes: z.boolean().default(false),
        allowDeletions: z.boolean().default(false),
        /** Apply the push rules to administrators too (by default they may bypass them). */
        enforceAdmins: z.boolean().default(false),
      })
      .optional(),
    allowAutoMerge: z.boolean().default(true),
    allowMergeCommit: z.boolean().default(true),
    allowSquashMerge: z.boolean().default(true),
    /** "Automatically delete head branches": GitHub deletes a merged pull request's head. */
    deleteBranchOnMerge: z.boolean().default(false),
  }),
  users: z
    .array(
      z.strictObject({
        login,
        permission: z.enum(PERMISSIONS),
        type: z.enum(['User', 'Bot']).optional(),
        /** An app bot's app id (check runs carry it); made up from the slug when not given. */
        appId: z.number().int().positive().optional(),
      }),
    )
    .default([]),
  tokens: z.record(z.string().min(1), tokenEntry).default({}),
  labels: z
    .array(
      z.union([
        z.string().min(1),
        z.strictObject({
          name: z.string().min(1),
          color: z
            .string()
            .regex(/^[0-9a-fA-F]{6}$/)
            .optional(),
          description: z.string().optional(),
        }),
      ]),
    )
    .default([]),
  issues: z.array(issue).default([]),
  pullRequests: z.array(pullRequest).default([]),
  workflowRuns: z.array(workflowRun).default([]),
  workflows: z.array(workflow).default([]),
  timing: timing.default({ mergeableUnknownReads: 1, asyncDelayMs: 0 }),
  limits: limits.default(LIMITS_DEFAULT),
  faults: faultsSchema.default({ seed: 1, rules: [] }),
  projects: z.array(project).default([]),
});

/**
 * A parsed fixture. `tokens` maps each token to its login; `tokenPermissions` holds the
 * permissions of the tokens that declare them (the others may do whatever their login's role
 * allows).
 */
export type Fixture = Omit<z.output<typeof fixtureSchema>, 'tokens'> & {
  tokens: Record<string, string>;
  tokenPermissions: Record<string, TokenPermissions>;
};
export type FixtureInput = z.input<typeof fixtureSchema>;
export type FixtureIssue = Fixture['issues'][number];
export type FixtureComment = FixtureIssue['comments'][number];
export type FixturePull = Fixture['pullRequests'][number];
export type FixtureProject = Fixture['projects'][number];
export type Faults = z.output<typeof faultsSchema>;
export type FaultRule = Faults['rules'][number];

export const BOT_LOGIN = 'github-actions[bot]';
export const BOT_ID = 41898282;
/** The GitHub Actions app, whose bot is github-actions[bot] and which reports workflow checks. */
export const ACTIONS_APP = { id: 15368, slug: 'github-actions', name: 'GitHub Actions' } as const;

export class FixtureError extends Error {
  override name = 'FixtureError';
}

function where(path: PropertyKey[]): string {
  return path.reduce<string>(
    (text, key) => (typeof key === 'number' ? `${text}[${key}]` : `${text}.${String(key)}`),
    'fixture',
  );
}

/** Parses and cross-checks a fixture; every problem is listed with its place. */
export function parseFixture(input: unknown): Fixture {
  const parsed = fixtureSchema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `${where(issue.path)}: ${issue.message}`);
    throw new FixtureError(`Invalid twin fixture:\n${lines.join('\n')}`);
  }
  const { tokens: tokenEntries, ...rest } = parsed.data;
  const tokens: Record<string, string> = {};
  const tokenPermissions: Record<string, TokenPermissions> = {};
  for (const [token, entry] of Object.entries(tokenEntries)) {
    tokens[token] = typeof entry === 'string' ? entry : entry.login;
    if (typeof entry !== 'string') tokenPermissions[token] = entry.permissions ?? {};
  }
  const fixture: Fixture = { ...rest, tokens, tokenPermissions };
  const problems: string[] = [];
  const users = new Set([BOT_LOGIN, ...fixture.users.map((user) => user.login)]);
  const labels = new Set(
    fixture.labels.map((label) => (typeof label === 'string' ? label : label.name)),
  );
  const numbers = new Set<number>();
  const pullNumbers = new Set<number>();
  const known = (who: string, at: string) => {
    if (!users.has(who)) problems.push(`${at}: unknown user '${who}' (add it to fixture.users)`);
  };
  fixture.users.forEach((user, i) => {
    if (fixture.users.findIndex((other) => other.login === user.login) !== i) {
      problems.push(`fixture.users[${i}]: duplicate login '${user.login}'`);
    }
  });
  fixture.users.forEach((user, i) => {
    // An app's bot is `slug[bot]` in REST and `slug` in GraphQL; a user named `slug` is someone else.
    const bot = user.login.endsWith('[bot]');
    if (user.type === 'Bot' && !bot)
      problems.push(
        `fixture.users[${i}].login: a Bot is listed by its REST login, '${user.login}[bot]'`,
      );
    if (user.type === 'User' && bot)
      problems.push(`fixture.users[${i}].type: '${user.login}' is an app's login (type Bot)`);
    if (user.appId !== undefined && !bot)
      problems.push(`fixture.users[${i}].appId: only an app's bot ('slug[bot]') has an app id`);
  });
  for (const [token, who] of Object.entries(fixture.tokens)) {
    const at = `fixture.tokens.${token}`;
    known(who, typeof tokenEntries[token] === 'string' ? at : `${at}.login`);
    const metadata = fixture.tokenPermissions[token]?.metadata;
    if (metadata !== undefined && metadata !== 'read')
      problems.push(`${at}.permissions.metadata: every token can read metadata, and only read it`);
  }
  const checkPath = (path: string, where: string) => {
    const parts = path.split('/');
    if (
      path === '' ||
      path.startsWith('/') ||
      parts.some((part) => part === '' || part === '.' || part === '..' || part === '.git')
    ) {
      problems.push(
        `${where}: ${JSON.stringify(path)} is not a relative file path inside the repository`,
      );
    }
  };
  for (const path of Object.keys(fixture.repository.files))
    checkPath(path, 'fixture.repository.files');
  fixture.issues.forEach((issue, i) => {
    const at = `fixture.issues[${i}]`;
    if (numbers.has(issue.number))
      problems.push(`${at}.number: duplicate issue number ${issue.number}`);
    numbers.add(issue.number);
    known(issue.author, `${at}.author`);
    issue.labels.forEach((label, j) => {
      known(label.by, `${at}.labels[${j}].by`);
      if (!labels.has(label.name))
        problems.push(`${at}.labels[${j}].name: label '${label.name}' is not in fixture.labels`);
    });
    issue.comments.forEach((comment, j) => {
      known(comment.author, `${at}.comments[${j}].author`);
      comment.edits.forEach((edit, k) => {
        known(edit.by, `${at}.comments[${j}].edits[${k}].by`);
        if (edit.at < comment.at)
          problems.push(`${at}.comments[${j}].edits[${k}].at: before the comment was written`);
      });
    });
    issue.edits.forEach((edit, j) => known(edit.by, `${at}.edits[${j}].by`));
    if (issue.lock) known(issue.lock.by, `${at}.lock.by`);
  });
  const heads = new Set<string>();
  fixture.pullRequests.forEach((pull, i) => {
    const at = `fixture.pullRequests[${i}]`;
    if (numbers.has(pull.number) || pullNumbers.has(pull.number))
      problems.push(`${at}.number: duplicate issue or pull request number ${pull.number}`);
    pullNumbers.add(pull.number);
    known(pull.author, `${at}.author`);
    pull.labels.forEach((label, j) => {
      known(label.by, `${at}.labels[${j}].by`);
      if (!labels.has(label.name))
        problems.push(`${at}.labels[${j}].name: label '${label.name}' is not in fixture.labels`);
    });
    pull.comments.forEach((comment, j) => known(comment.author, `${at}.comments[${j}].author`));
    pull.edits.forEach((edit, j) => known(edit.by, `${at}.edits[${j}].by`));
    if (pull.lock) known(pull.lock.by, `${at}.lock.by`);
    if (pull.base !== undefined && pull.base !== fixture.repository.defaultBranch)
      problems.push(
        `${at}.base: a fixture creates only the default branch '${fixture.repository.defaultBranch}'`,
      );
    if (pull.headRepository) {
      known(pull.headRepository.owner, `${at}.headRepository.owner`);
      if (pull.headRepository.owner.toLowerCase() === fixture.repository.owner.toLowerCase())
        problems.push(
          `${at}.headRepository: a fork belongs to another owner; leave it out for a branch of this repository`,
        );
    } else {
      if (heads.has(pull.head) || pull.head === fixture.repository.defaultBranch)
        problems.push(`${at}.head: branch '${pull.head}' is already taken`);
      heads.add(pull.head);
      if (!/^[^\s~^:?*[\\]+$/.test(pull.head) || pull.head.includes('..'))
        problems.push(`${at}.head: '${pull.head}' is not a valid branch name`);
    }
    for (const path of Object.keys(pull.files)) checkPath(path, `${at}.files`);
  });
  fixture.issues.forEach((issue, i) => {
    for (const key of ['blockedBy', 'subIssues'] as const) {
      for (const other of issue[key]) {
        if (!numbers.has(other))
          problems.push(`fixture.issues[${i}].${key}: no issue #${other} in the fixture`);
        if (other === issue.number)
          problems.push(`fixture.issues[${i}].${key}: an issue cannot refer to itself`);
      }
    }
  });
  checkProjects(fixture, users, new Set([...numbers, ...pullNumbers]), problems);
  const workflowNames = new Set<string>();
  fixture.workflows.forEach((flow, i) => {
    if (workflowNames.has(flow.name))
      problems.push(`fixture.workflows[${i}].name: duplicate workflow '${flow.name}'`);
    workflowNames.add(flow.name);
    flow.artifacts.forEach((artifact, j) =>
      artifact.paths.forEach((path) => checkPath(path, `fixture.workflows[${i}].artifacts[${j}]`)),
    );
  });
  if (problems.length > 0) throw new FixtureError(`Invalid twin fixture:\n${problems.join('\n')}`);
  return fixture;
}

/** Boards: owners that exist, one board per number, known fields and options, no GITHUB_TOKEN. */
function checkProjects(
  fixture: Fixture,
  users: Set<string>,
  numbers: Set<number>,
  problems: string[],
): void {
  const seen = new Set<string>();
  const userOwners = new Set(
    fixture.projects.filter((p) => p.ownerType === 'user').map((p) => p.owner.toLowerCase()),
  );
  fixture.projects.forEach((board, i) => {
    const at = `fixture.projects[${i}]`;
    const key = `${board.ownerType}:${board.owner.toLowerCase()}:${board.number}`;
    if (seen.has(key))
      problems.push(`${at}.number: ${board.owner} already has a board numbered ${board.number}`);
    seen.add(key);
    if (board.owner.endsWith('[bot]'))
      problems.push(`${at}.owner: a board belongs to a user or an organization, not an app`);
    else if (board.ownerType === 'user' && !users.has(board.owner))
      problems.push(`${at}.owner: unknown user '${board.owner}' (add it to fixture.users)`);
    else if (board.ownerType === 'organization') {
      if (fixture.users.some((user) => user.login.toLowerCase() === board.owner.toLowerCase()))
        problems.push(`${at}.owner: '${board.owner}' is listed in fixture.users, as a user`);
      if (userOwners.has(board.owner.toLowerCase()))
        problems.push(`${at}.owner: '${board.owner}' also owns a user board`);
    }
    const fieldNames = new Set<string>(['title']);
    board.fields.forEach((field, j) => {
      if (fieldNames.has(field.name.toLowerCase()))
        problems.push(
          `${at}.fields[${j}].name: '${field.name}' is taken (every board has its Title field)`,
        );
      fieldNames.add(field.name.toLowerCase());
      if ('options' in field) {
        const options = field.options.map((option) => option.toLowerCase());
        if (new Set(options).size !== options.length)
          problems.push(`${at}.fields[${j}].options: option names must differ`);
      }
    });
    for (const [who, role] of Object.entries(board.access)) {
      const where = `${at}.access.${who}`;
      if (who === BOT_LOGIN)
        problems.push(`${where}: a GITHUB_TOKEN cannot reach user or organization projects`);
      else if (!users.has(who))
        problems.push(`${where}: unknown user '${who}' (add it to fixture.users)`);
      else if (who.endsWith('[bot]') && board.ownerType === 'user')
        problems.push(`${where}: GitHub Apps cannot reach a user's projects`);
      else if (who.toLowerCase() === board.owner.toLowerCase() && role !== 'admin')
        problems.push(`${where}: a board's owner is its admin`);
    }
    const onBoard = new Set<number>();
    board.items.forEach((item, j) => {
      const where = `${at}.items[${j}]`;
      if (!numbers.has(item.number))
        problems.push(`${where}.number: no issue or pull request #${item.number} in the fixture`);
      if (onBoard.has(item.number))
        problems.push(`${where}.number: #${item.number} is already on the board`);
      onBoard.add(item.number);
      for (const [name, value] of Object.entries(item.values)) {
        const field = board.fields.find((f) => f.name === name);
        if (!field) problems.push(`${where}.values: the board has no field '${name}'`);
        else if (!('options' in field))
          problems.push(`${where}.values: the twin seeds single-select values only ('${name}')`);
        else if (!field.options.includes(value))
          problems.push(`${where}.values: '${name}' has no option '${value}'`);
      }
    });
  });
}
