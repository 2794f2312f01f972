import { join } from 'node:path';
import {
  ERROR_DRAFT,
  ERROR_HEAD_MODIFIED,
  ERROR_MERGE_QUEUE_REQUIRED,
  ERROR_NO_NEW_BASE_COMMITS,
  ERROR_NOT_FAST_FORWARD,
  ERROR_NOT_MERGEABLE,
  ERROR_REFERENCE_EXISTS,
  ERROR_REFERENCE_MISSING,
} from '../github/api-errors.js';
import { Background, Serial } from './background.js';
import { CiModel, type CiHost, type CiRun, type Trigger } from './ci.js';
import { ApiError, forbidden, notFound, validationFailed } from './errors.js';

/** Where the merge queue keeps its merge-group branches, under `refs/heads/`. */
const QUEUE_BRANCHES = 'gh-readonly-queue/';

/** GitHub's limit on a pull request's diff; past it the diff is refused, the files list stays. */
export const DIFF_MAX_LINES = 20_000;
import {
  ACTIONS_APP,
  BOT_ID,
  BOT_LOGIN,
  type Fixture,
  type FixtureComment,
  type FixtureIssue,
  type FixturePull,
  type Permission,
} from './fixture.js';
import { BareRepository, ZERO_SHA, type Signature } from './git.js';
import { ProjectBoards } from './projects.js';

export interface User {
  login: string;
  id: number;
  nodeId: string;
  type: 'User' | 'Bot';
  permission: Permission;
  /** An app bot's app id; check runs it creates carry it. */
  appId?: number;
}

export interface Label {
  id: number;
  nodeId: string;
  name: string;
  color: string;
  description: string | null;
}

/** One revision of a body, as GitHub's `userContentEdits` lists them. */
export interface ContentEdit {
  id: number;
  nodeId: string;
  editor: string;
  editedAt: string;
  /** The body as this revision left it. */
  body: string;
}

/** GraphQL's ReportedContentClassifiers: why a comment was minimized. */
export const MINIMIZE_CLASSIFIERS = [
  'ABUSE',
  'DUPLICATE',
  'OFF_TOPIC',
  'OUTDATED',
  'RESOLVED',
  'SPAM',
] as const;
export type MinimizeClassifier = (typeof MINIMIZE_CLASSIFIERS)[number];

export const LOCK_REASONS = ['off-topic', 'too heated', 'resolved', 'spam'] as const;
export type LockReason = (typeof LOCK_REASONS)[number];

export interface Comment {
  id: number;
  nodeId: string;
  issue: number;
  author: string;
  body: string;
  createdAt: string;
  updatedAt: string;
  /**
   * The body's history once it has been edited: the creation first, then every edit. GitHub
   * records the creation as a revision only when the first edit happens, so it stays empty
   * until then.
   */
  edits: ContentEdit[];
  minimized: MinimizeClassifier | null;
}

export interface TimelineEvent {
  id: number;
  nodeId: string;
  event:
    | 'labeled'
    | 'unlabeled'
    | 'closed'
    | 'reopened'
    | 'merged'
    | 'renamed'
    | 'comment_deleted'
    | 'locked'
    | 'unlocked';
  actor: string;
  createdAt: string;
  label?: string;
  /** `closed` and `reopened`: the issue's state reason then. */
  stateReason?: string | null;
  /** `comment_deleted`: who had written the comment. */
  deletedCommentAuthor?: string;
  /** `locked`: the reason in REST's words (`off-topic`, `too heated`, `resolved`, `spam`). */
  lockReason?: string | null;
}

interface ItemBase {
  number: number;
  id: number;
  nodeId: string;
  title: string;
  body: string;
  author: string;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  state: 'open' | 'closed';
  labels: string[];
  events: TimelineEvent[];
  lastEditedAt: string | null;
  editor: string | null;
  /** The body's history once edited, as for comments. */
  edits: ContentEdit[];
  /** Who closed it last (REST `closed_by`). */
  closedBy: string | null;
  locked: boolean;
  /** REST's words: `off-topic`, `too heated`, `resolved`, `spam`, or null when none was given. */
  lockReason: LockReason | null;
}

export interface Issue extends ItemBase {
  kind: 'issue';
  stateReason: 'completed' | 'not_planned' | 'reopened' | null;
  blockedBy: number[];
  subIssues: number[];
  parent: number | null;
}

export interface AutoMerge {
  enabledBy: string;
  method: 'MERGE' | 'SQUASH' | 'REBASE';
  enabledAt: string;
}

export interface Pull extends ItemBase {
  kind: 'pull';
  /** The head branch's name, in this repository or, for a fork, in `fork`. */
  head: string;
  /** The fork the head branch lives in, or null when it is in this repository. */
  fork: { owner: string; name: string } | null;
  base: string;
  draft: boolean;
  merged: boolean;
  mergedAt: string | null;
  mergedBy: string | null;
  mergeCommitSha: string | null;
  /** The head commit when the pull request was closed or merged; open ones read the branch. */
  closedHeadSha: string | null;
  /**
   * The base branch's commit just before the merge: a merged pull request keeps showing its
   * commits and files against it (REST `base.sha` stays there too).
   */
  baseShaAtMerge: string | null;
  autoMerge: AutoMerge | null;
  /** Reads of mergeability still answered null, as while GitHub computes it after a change. */
  unknownReads: number;
}

/** A pull request waiting in the merge queue of its base branch. */
export interface QueueEntry {
  id: number;
  nodeId: string;
  pull: number;
  enqueuer: string;
  enqueuedAt: string;
  headSha: string;
  /** The merge-group commit being tested, on `gh-readonly-queue/<base>/pr-N-<head>`. */
  group: { sha: string; baseSha: string; ref: string } | null;
  state: 'QUEUED' | 'AWAITING_CHECKS' | 'MERGEABLE' | 'UNMERGEABLE' | 'LOCKED';
}

export type Item = Issue | Pull;

export interface CheckRun {
  id: number;
  nodeId: string;
  headSha: string;
  name: string;
  status: 'queued' | 'in_progress' | 'completed' | 'waiting' | 'requested' | 'pending';
  conclusion: string | null;
  startedAt: string;
  completedAt: string | null;
  externalId: string;
  /** The app that reported it (check runs come only from apps). */
  app: { id: number; slug: string; owner: string };
}

export interface CommitStatus {
  id: number;
  nodeId: string;
  sha: string;
  state: 'error' | 'failure' | 'pending' | 'success';
  context: string;
  description: string | null;
  targetUrl: string | null;
  creator: string;
  createdAt: string;
}

export interface Review {
  id: number;
  nodeId: string;
  pull: number;
  user: string;
  state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED';
  body: string;
  commitId: string;
  submittedAt: string;
}

export interface WorkflowRun {
  id: number;
  name: string;
  status: string;
  conclusion: string | null;
  createdAt: string;
  headBranch: string;
  /** Set for runs of the CI model. */
  ci?: CiRun;
}

export type MergeStateStatus =
  'BEHIND' | 'BLOCKED' | 'CLEAN' | 'DIRTY' | 'DRAFT' | 'UNKNOWN' | 'UNSTABLE';

export interface Requirements {
  /** Required checks that have not succeeded, with why. */
  missingChecks: { name: string; state: 'expected' | 'pending' | 'failing' }[];
  /** Checks that are not required and failed. */
  otherFailures: string[];
  /** Checks that are not required and have not finished. */
  otherPending: string[];
  approvals: number;
  requiredApprovals: number;
  upToDate: boolean;
}

export const GITHUB_LOGIN_TO_NAME = (login: string): string => login.replace(/\[bot\]$/, '');

/**
 * Whether a login as REST writes it (`my-app[bot]` for an app, `my-app` for a user) names this
 * identity. Logins compare without regard to case; the `[bot]` suffix keeps an app apart from
 * a user of the same name.
 */
export const sameLogin = (identity: string, wanted: string): boolean =>
  identity.toLowerCase() === wanted.toLowerCase();

const PERMISSION_RANK: Record<Permission, number> = {
  none: 0,
  read: 1,
  triage: 2,
  write: 3,
  maintain: 4,
  admin: 5,
};

export function atLeast(permission: Permission, wanted: Permission): boolean {
  return PERMISSION_RANK[permission] >= PERMISSION_RANK[wanted];
}

export function timestamp(date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const LABEL_COLORS = [
  'd73a4a',
  '0075ca',
  'cfd3d7',
  'a2eeef',
  '7057ff',
  '008672',
  'e4e669',
  'd876e3',
];

/** Everything the twin knows, with GitHub's rules for changing it. */
export class TwinState {
  readonly owner: string;
  readonly name: string;
  readonly defaultBranch: string;
  readonly repositoryId = 1296269;
  readonly settings: Fixture['repository'];
  readonly users = new Map<string, User>();
  readonly tokens = new Map<string, string>();
  readonly labels = new Map<string, Label>();
  readonly items = new Map<number, Item>();
  readonly comments: Comment[] = [];
  /** Deleted comments, kept for `/_twin/state` and tests; no API answer shows them. */
  readonly deletedComments: Comment[] = [];
  readonly checkRuns: CheckRun[] = [];
  readonly statuses: CommitStatus[] = [];
  readonly reviews: Review[] = [];
  readonly workflowRuns: WorkflowRun[];
  readonly createdAt: string;
  readonly timing: Fixture['timing'];
  /** GitHub refuses a pull request's diff past this many lines (tests lower it). */
  diffMaxLines = DIFF_MAX_LINES;
  /** GitHub's after-the-answer work: auto-merge, update-branch, the merge queue, CI. */
  readonly background: Background;
  readonly ci: CiModel;
  readonly mergeQueue: QueueEntry[] = [];
  /** Projects (v2) boards of organizations and users, with the repository's issues on them. */
  readonly projects = new ProjectBoards(
    () => this.allocateId(),
    () => timestamp(),
  );
  /** Branch heads as last seen, to tell what a push or a ref update changed. */
  private readonly knownBranches = new Map<string, string>();
  private autoMergePending = false;
  /** Mergeability answers per API request, so one request's fields agree. */
  private readonly readers = new WeakMap<
    object,
    Map<number, { mergeable: boolean | null; status: MergeStateStatus }>
  >();
  private queuePending = false;
  /** Pushes and ref updates are looked at one at a time, so none rolls back another's view. */
  private readonly refsSerial = new Serial();
  /** Steps of the merge queue, and the cleanup of its branches, never interleave. */
  private readonly queueSerial = new Serial();
  /** Passes over auto-merge never interleave (two would enqueue or merge one pull twice). */
  private readonly autoMergeSerial = new Serial();
  private nextId = 1000;
  private nextNumber = 1;

  private constructor(
    fixture: Fixture,
    readonly git: BareRepository,
  ) {
    this.settings = fixture.repository;
    this.owner = fixture.repository.owner;
    this.name = fixture.repository.name;
    this.defaultBranch = fixture.repository.defaultBranch;
    this.workflowRuns = fixture.workflowRuns.map((run) => ({ ...run }));
    this.timing = fixture.timing;
    this.background = new Background(fixture.timing.asyncDelayMs);
    this.ci = new CiModel(fixture.workflows, this.ciHost(), this.background);
    const earliest = [...fixture.issues.map((issue) => issue.createdAt)].sort()[0];
    this.createdAt = earliest
      ? timestamp(new Date(Date.parse(earliest) - 86_400_000))
      : timestamp();
  }

  static async create(fixture: Fixture, stateDir: string): Promise<TwinState> {
    const repoPath = join(stateDir, fixture.repository.owner, `${fixture.repository.name}.git`);
    const git = await BareRepository.create(repoPath, fixture.repository.defaultBranch);
    const state = new TwinState(fixture, git);
    state.seedUsers(fixture);
    for (const label of fixture.labels) {
      const spec = typeof label === 'string' ? { name: label } : label;
      state.addLabelDefinition(spec.name, spec.color, spec.description ?? null);
    }
    const files = Object.entries(fixture.repository.files).map(([path, text]) => ({
      path,
      contents: Buffer.from(text),
    }));
    const owner = state.user(fixture.repository.owner) ?? state.user(BOT_LOGIN)!;
    const root = await git.commitFiles(
      undefined,
      { additions: files, deletions: [] },
      'Initial commit\n',
      state.signature(owner, state.createdAt),
    );
    await git.must(['update-ref', `refs/heads/${state.defaultBranch}`, root]);
    state.seedIssues(fixture);
    await state.seedPulls(fixture);
    state.projects.seed(fixture.projects, state.createdAt);
    for (const found of await git.refs('refs/heads/'))
      state.knownBranches.set(found.ref, found.sha);
    return state;
  }

  private seedUsers(fixture: Fixture): void {
    this.users.set(BOT_LOGIN, {
      login: BOT_LOGIN,
      id: BOT_ID,
      nodeId: 'MDM6Qm90NDE4OTgyODI=',
      type: 'Bot',
      permission: 'write',
      appId: ACTIONS_APP.id,
    });
    let next = 583231;
    for (const user of fixture.users) {
      const type = user.type ?? (user.login.endsWith('[bot]') ? 'Bot' : 'User');
      const id = user.login === BOT_LOGIN ? BOT_ID : next++;
      this.users.set(user.login, {
        login: user.login,
        id,
        nodeId: nodeId(type === 'Bot' ? 'BOT' : 'U', id),
        type,
        permission: user.permission,
        ...(type === 'Bot'
          ? { appId: user.login === BOT_LOGIN ? ACTIONS_APP.id : (user.appId ?? 900_000 + id) }
          : {}),
      });
    }
    if (!this.users.has(fixture.repository.owner)) {
      const id = next;
      this.users.set(fixture.repository.owner, {
        login: fixture.repository.owner,
        id,
        nodeId: nodeId('U', id),
        type: 'User',
        permission: 'admin',
      });
    }
    for (const [token, login] of Object.entries(fixture.tokens)) this.tokens.set(token, login);
  }

  private seedIssues(fixture: Fixture): void {
    const sorted = [...fixture.issues].sort((a, b) => a.number - b.number);
    for (const spec of sorted) {
      const issue = this.newIssue(spec.number, spec.title, spec.body, spec.author, spec.createdAt);
      issue.blockedBy = [...spec.blockedBy];
      issue.subIssues = [...spec.subIssues];
      if (spec.state === 'closed') {
        issue.state = 'closed';
        issue.closedAt = spec.createdAt;
        issue.stateReason = 'completed';
      }
      this.items.set(spec.number, issue);
      this.nextNumber = Math.max(this.nextNumber, spec.number + 1);
    }
    for (const spec of sorted) {
      const issue = this.items.get(spec.number) as Issue;
      for (const child of spec.subIssues) (this.items.get(child) as Issue).parent = spec.number;
      this.replay(issue, spec);
    }
  }

  /** Fixture pull requests: a head commit with `files` on the base, in a branch or a fork's ref. */
  private async seedPulls(fixture: Fixture): Promise<void> {
    for (const spec of [...fixture.pullRequests].sort((a, b) => a.number - b.number)) {
      const base = spec.base ?? this.defaultBranch;
      const author = this.user(spec.author)!;
      const parent = (await this.branchHead(base))!;
      const files = Object.entries(spec.files).map(([path, text]) => ({
        path,
        contents: Buffer.from(text),
      }));
      const commit = await this.git.commitFiles(
        parent,
        { additions: files, deletions: [] },
        `${spec.title}\n`,
        this.signature(author, spec.createdAt),
      );
      const fork = spec.headRepository
        ? { owner: spec.headRepository.owner, name: spec.headRepository.name ?? this.name }
        : null;
      const pull = this.newPull(spec.number, {
        title: spec.title,
        body: spec.body,
        author: spec.author,
        createdAt: spec.createdAt,
        head: spec.head,
        fork,
        base,
        draft: spec.draft,
      });
      // A fixture's pull requests are old: GitHub has long computed their mergeability.
      pull.unknownReads = 0;
      this.items.set(spec.number, pull);
      this.nextNumber = Math.max(this.nextNumber, spec.number + 1);
      await this.git.must(['update-ref', this.headRef(pull), commit]);
      if (spec.state === 'closed') {
        pull.state = 'closed';
        pull.closedAt = spec.createdAt;
        pull.closedHeadSha = commit;
      }
      this.replay(pull, spec);
    }
  }

  /** Replays a fixture item's labels, edits, comments and lock in time order. */
  private replay(item: Item, spec: FixtureIssue | FixturePull): void {
    const happenings = [
      ...spec.labels.map((label) => ({ at: label.at, apply: () => this.seedLabel(item, label) })),
      ...spec.edits.map((edit) => ({ at: edit.at, apply: () => this.seedEdit(item, edit) })),
      ...spec.comments.map((comment) => ({
        at: comment.at,
        apply: () => this.seedComment(item, comment),
      })),
      ...(spec.lock ? [{ at: spec.lock.at, apply: () => this.seedLock(item, spec.lock!) }] : []),
    ].sort((a, b) => a.at.localeCompare(b.at));
    for (const happening of happenings) happening.apply();
  }

  private seedLabel(issue: Item, label: { name: string; by: string; at: string }): void {
    if (!issue.labels.includes(label.name)) issue.labels.push(label.name);
    issue.events.push(this.event('labeled', label.by, label.at, label.name));
    issue.updatedAt = maxTime(issue.updatedAt, label.at);
  }

  private seedEdit(
    issue: Item,
    edit: { by: string; at: string; title?: string; body?: string },
  ): void {
    if (edit.title !== undefined) {
      issue.events.push(this.event('renamed', edit.by, edit.at));
      issue.title = edit.title;
    }
    if (edit.body !== undefined) this.recordEdit(issue, edit.by, edit.at, edit.body);
    issue.updatedAt = maxTime(issue.updatedAt, edit.at);
  }

  private seedLock(item: Item, lock: { by: string; at: string; reason?: string }): void {
    this.lock(
      { ...this.user(lock.by)!, permission: 'admin' },
      item.number,
      lock.reason ?? null,
      lock.at,
    );
  }

  private seedComment(issue: Item, spec: FixtureComment): void {
    const id = this.allocateId();
    const comment: Comment = {
      id,
      nodeId: nodeId('IC', id),
      issue: issue.number,
      author: spec.author,
      body: spec.body,
      createdAt: spec.at,
      updatedAt: spec.at,
      edits: [],
      minimized: spec.minimized ?? null,
    };
    for (const edit of [...spec.edits].sort((a, b) => a.at.localeCompare(b.at))) {
      this.recordEdit(comment, edit.by, edit.at, edit.body);
      comment.updatedAt = maxTime(comment.updatedAt, edit.at);
    }
    this.comments.push(comment);
    issue.updatedAt = maxTime(issue.updatedAt, spec.at);
  }

  /**
   * A new revision of a body. The first edit also records the creation (author, creation time
   * and original body), as GitHub's `userContentEdits` does.
   */
  private recordEdit(
    target: {
      author: string;
      createdAt: string;
      body: string;
      edits: ContentEdit[];
      lastEditedAt?: string | null;
      editor?: string | null;
    },
    editor: string,
    at: string,
    body: string,
  ): void {
    const revision = (by: string, when: string, text: string): ContentEdit => {
      const id = this.allocateId();
      return { id, nodeId: nodeId('UCE', id), editor: by, editedAt: when, body: text };
    };
    if (target.edits.length === 0)
      target.edits.push(revision(target.author, target.createdAt, target.body));
    target.edits.push(revision(editor, at, body));
    target.body = body;
    if ('lastEditedAt' in target) {
      target.lastEditedAt = at;
      target.editor = editor;
    }
  }

  private newIssue(
    number: number,
    title: string,
    body: string,
    author: string,
    createdAt: string,
  ): Issue {
    const id = this.allocateId();
    return {
      kind: 'issue',
      number,
      id,
      nodeId: nodeId('I', id),
      title,
      body,
      author,
      createdAt,
      updatedAt: createdAt,
      closedAt: null,
      state: 'open',
      stateReason: null,
      labels: [],
      events: [],
      lastEditedAt: null,
      editor: null,
      edits: [],
      closedBy: null,
      locked: false,
      lockReason: null,
      blockedBy: [],
      subIssues: [],
      parent: null,
    };
  }

  // ---- identity --------------------------------------------------------------------------

  allocateId(): number {
    return this.nextId++;
  }

  user(login: string): User | undefined {
    return this.users.get(login);
  }

  userForToken(token: string): User | undefined {
    const login = this.tokens.get(token);
    return login === undefined ? undefined : this.users.get(login);
  }

  /** GitHub's answer for a login: a non-collaborator on a private repository has no access. */
  permissionOf(login: string): Permission {
    return this.users.get(login)?.permission ?? 'none';
  }

  require(actor: User, wanted: Permission): void {
    if (!atLeast(actor.permission, wanted)) throw forbidden();
  }

  signature(user: User, date: string): Signature {
    return {
      name: GITHUB_LOGIN_TO_NAME(user.login),
      email: `${user.id}+${user.login}@users.noreply.github.com`,
      date,
    };
  }

  // ---- issues, labels and comments -------------------------------------------------------

  item(number: number): Item {
    const item = this.items.get(number);
    if (!item) throw notFound();
    return item;
  }

  issue(number: number): Issue {
    const item = this.item(number);
    if (item.kind !== 'issue') throw notFound();
    return item;
  }

  pull(number: number): Pull {
    const item = this.items.get(number);
    if (!item || item.kind !== 'pull') throw notFound();
    return item;
  }

  private event(
    kind: TimelineEvent['event'],
    actor: string,
    at: string,
    label?: string,
    extra: Partial<TimelineEvent> = {},
  ): TimelineEvent {
    const id = this.allocateId();
    return {
      id,
      nodeId: nodeId(EVENT_PREFIX[kind], id),
      event: kind,
      actor,
      createdAt: at,
      ...(label ? { label } : {}),
      ...extra,
    };
  }

  addLabelDefinition(name: string, color?: string, description: string | null = null): Label {
    const existing = [...this.labels.values()].find(
      (label) => label.name.toLowerCase() === name.toLowerCase(),
    );
    if (existing) return existing;
    const id = this.allocateId();
    const label: Label = {
      id,
      nodeId: nodeId('LA', id),
      name,
      color: (color ?? LABEL_COLORS[this.labels.size % LABEL_COLORS.length]!).toLowerCase(),
      description,
    };
    this.labels.set(name, label);
    return label;
  }

  createLabel(actor: User, name: string, color?: string, description?: string | null): Label {
    this.require(actor, 'write');
    if ([...this.labels.keys()].some((known) => known.toLowerCase() === name.toLowerCase())) {
      throw validationFailed([{ resource: 'Label', code: 'already_exists', field: 'name' }]);
    }
    if (name.length > 50)
      throw validationFailed([{ resource: 'Label', code: 'invalid', field: 'name' }]);
    return this.addLabelDefinition(name, color, description ?? null);
  }

  createIssue(actor: User, title: string, body: string, labels: string[]): Issue {
    this.require(actor, 'read');
    if (title.trim() === '')
      throw validationFailed([{ resource: 'Issue', code: 'missing_field', field: 'title' }]);
    const issue = this.newIssue(this.nextNumber++, title, body, actor.login, timestamp());
    const number = issue.number;
    this.items.set(number, issue);
    // Labels given at creation apply only for users with push access; GitHub drops them silently.
    if (labels.length > 0 && atLeast(actor.permission, 'write'))
      this.addLabels(actor, number, labels);
    return issue;
  }

  updateItem(
    actor: User,
    number: number,
    changes: {
      title?: string;
      body?: string;
      state?: 'open' | 'closed';
      stateReason?: string | null;
      labels?: string[];
    },
  ): Item {
    const item = this.item(number);
    const retitle = changes.title !== undefined && changes.title !== item.title;
    const rebody = changes.body !== undefined && changes.body !== item.body;
    const restate = changes.state !== undefined && changes.state !== item.state;
    // Authors may edit, close and reopen their own. Anyone else needs triage to close or reopen
    // and push access to change the title or body (triage cannot edit others' content).
    if (actor.login !== item.author) this.require(actor, retitle || rebody ? 'write' : 'triage');
    // Everything is checked before anything changes: a refused request changes nothing.
    if (retitle && changes.title!.trim() === '')
      throw validationFailed([{ resource: 'Issue', code: 'missing_field', field: 'title' }]);
    if (restate && item.kind === 'pull' && item.merged)
      throw validationFailed([{ resource: 'PullRequest', code: 'invalid', field: 'state' }]);
    const now = timestamp();
    if (retitle) {
      // A new title is a `renamed` timeline event; lastEditedAt and editor track the body only.
      item.events.push(this.event('renamed', actor.login, now));
      item.title = changes.title!;
    }
    if (rebody) this.recordEdit(item, actor.login, now, changes.body!);
    if (restate) {
      if (item.kind === 'pull' && changes.state === 'closed') {
        // A closed pull request leaves the merge queue and loses auto-merge.
        item.autoMerge = null;
        this.dequeue(item.number);
      }
      item.state = changes.state!;
      item.closedAt = changes.state === 'closed' ? now : null;
      if (changes.state === 'closed') item.closedBy = actor.login;
      if (item.kind === 'issue') {
        item.stateReason =
          changes.state === 'closed'
            ? ((changes.stateReason as Issue['stateReason']) ?? 'completed')
            : 'reopened';
      }
      item.events.push(
        this.event(
          changes.state === 'closed' ? 'closed' : 'reopened',
          actor.login,
          now,
          undefined,
          {
            stateReason: item.kind === 'issue' ? item.stateReason : null,
          },
        ),
      );
    }
    // Labels in an update apply only for users with push access; GitHub drops them silently.
    if (changes.labels !== undefined && atLeast(actor.permission, 'write')) {
      for (const name of [...item.labels])
        if (!changes.labels.includes(name)) this.removeLabel(actor, number, name);
      this.addLabels(actor, number, changes.labels);
    }
    item.updatedAt = now;
    return item;
  }

  addLabels(actor: User, number: number, names: string[]): Label[] {
    this.require(actor, 'triage');
    const item = this.item(number);
    const now = timestamp();
    for (const name of names) {
      if (name.trim() === '' || name.length > 50) {
        throw validationFailed([{ resource: 'Label', code: 'invalid', field: 'name' }]);
      }
      // GitHub creates a label that does not exist yet when it is added to an issue.
      const label = this.addLabelDefinition(name);
      if (item.labels.includes(label.name)) continue;
      item.labels.push(label.name);
      item.events.push(this.event('labeled', actor.login, now, label.name));
    }
    item.updatedAt = now;
    return item.labels.map((name) => this.labels.get(name)!);
  }

  removeLabel(actor: User, number: number, name: string): Label[] {
    this.require(actor, 'triage');
    const item = this.item(number);
    const present = item.labels.find((label) => label.toLowerCase() === name.toLowerCase());
    if (present === undefined) throw new ApiError(404, 'Label does not exist');
    item.labels = item.labels.filter((label) => label !== present);
    const now = timestamp();
    item.events.push(this.event('unlabeled', actor.login, now, present));
    item.updatedAt = now;
    return item.labels.map((label) => this.labels.get(label)!);
  }

  commentsOn(number: number): Comment[] {
    this.item(number);
    return this.comments.filter((comment) => comment.issue === number);
  }

  createComment(actor: User, number: number, body: string): Comment {
    this.require(actor, 'read');
    const item = this.item(number);
    if (item.locked && !atLeast(actor.permission, 'write')) throw lockedConversation();
    checkCommentBody(body);
    if (body.trim() === '')
      throw validationFailed([{ resource: 'IssueComment', code: 'missing_field', field: 'body' }]);
    const id = this.allocateId();
    const now = timestamp();
    const comment: Comment = {
      id,
      nodeId: nodeId('IC', id),
      issue: number,
      author: actor.login,
      body,
      createdAt: now,
      updatedAt: now,
      edits: [],
      minimized: null,
    };
    this.comments.push(comment);
    item.updatedAt = now;
    return comment;
  }

  comment(id: number): Comment {
    const comment = this.comments.find((candidate) => candidate.id === id);
    if (!comment) throw notFound();
    return comment;
  }

  /** Authors edit their own comments; anyone else needs push access (triage is not enough). */
  updateComment(actor: User, id: number, body: string): Comment {
    const comment = this.comment(id);
    if (comment.author !== actor.login) this.require(actor, 'write');
    checkCommentBody(body);
    if (body !== comment.body) {
      const now = timestamp();
      this.recordEdit(comment, actor.login, now, body);
      comment.updatedAt = now;
    }
    return comment;
  }

  /**
   * Authors delete their own comments; anyone else needs push access. The comment leaves every
   * listing and the issue's timeline gets a `comment_deleted` event naming who deleted it.
   */
  deleteComment(actor: User, id: number): Comment {
    const comment = this.comment(id);
    if (comment.author !== actor.login) this.require(actor, 'write');
    this.comments.splice(this.comments.indexOf(comment), 1);
    this.deletedComments.push(comment);
    const item = this.item(comment.issue);
    item.events.push(
      this.event('comment_deleted', actor.login, timestamp(), undefined, {
        deletedCommentAuthor: comment.author,
      }),
    );
    return comment;
  }

  /** Hiding a comment (GraphQL `minimizeComment`) needs push access, the author's own included. */
  minimizeComment(actor: User, id: number, classifier: MinimizeClassifier | null): Comment {
    const comment = this.comment(id);
    this.require(actor, 'write');
    comment.minimized = classifier;
    return comment;
  }

  /**
   * Locks an issue's or pull request's conversation (push access, as GitHub's REST description
   * says): from then on only users with push access can comment. Locking a locked conversation
   * changes nothing.
   */
  lock(actor: User, number: number, reason: string | null, at = timestamp()): Item {
    this.require(actor, 'write');
    const item = this.item(number);
    if (reason !== null && !(LOCK_REASONS as readonly string[]).includes(reason))
      throw validationFailed([{ resource: 'Issue', code: 'invalid', field: 'lock_reason' }]);
    if (item.locked) return item;
    item.locked = true;
    item.lockReason = reason as LockReason | null;
    item.events.push(this.event('locked', actor.login, at, undefined, { lockReason: reason }));
    item.updatedAt = maxTime(item.updatedAt, at);
    return item;
  }

  unlock(actor: User, number: number): Item {
    this.require(actor, 'write');
    const item = this.item(number);
    if (!item.locked) return item;
    const now = timestamp();
    item.locked = false;
    item.lockReason = null;
    item.events.push(this.event('unlocked', actor.login, now));
    item.updatedAt = now;
    return item;
  }

  // ---- dependencies and sub-issues -------------------------------------------------------

  addBlockedBy(actor: User, number: number, blockerId: number): Issue {
    this.require(actor, 'triage');
    const issue = this.issue(number);
    const blocker = [...this.items.values()].find((item) => item.id === blockerId);
    if (!blocker) throw notFound();
    if (blocker.kind !== 'issue')
      throw validationFailed([
        {
          resource: 'IssueDependency',
          code: 'custom',
          message: 'Target issue may only be an issue',
        },
      ]);
    if (!issue.blockedBy.includes(blocker.number)) issue.blockedBy.push(blocker.number);
    return blocker;
  }

  removeBlockedBy(actor: User, number: number, blockerId: number): Issue {
    this.require(actor, 'triage');
    const issue = this.issue(number);
    const blocker = [...this.items.values()].find((item) => item.id === blockerId);
    if (!blocker || blocker.kind !== 'issue' || !issue.blockedBy.includes(blocker.number))
      throw notFound();
    issue.blockedBy = issue.blockedBy.filter((other) => other !== blocker.number);
    return blocker;
  }

  blocking(number: number): Issue[] {
    return [...this.items.values()].filter(
      (item): item is Issue => item.kind === 'issue' && item.blockedBy.includes(number),
    );
  }

  addSubIssue(actor: User, parentNumber: number, childId: number, replaceParent: boolean): Issue {
    this.require(actor, 'triage');
    const parent = this.issue(parentNumber);
    const child = [...this.items.values()].find(
      (item): item is Issue => item.kind === 'issue' && item.id === childId,
    );
    if (!child) throw notFound();
    if (child.parent !== null && child.parent !== parentNumber) {
      if (!replaceParent)
        throw validationFailed([
          { resource: 'Issue', code: 'custom', message: 'Sub issue may only have one parent' },
        ]);
      const previous = this.issue(child.parent);
      previous.subIssues = previous.subIssues.filter((n) => n !== child.number);
    }
    if (!parent.subIssues.includes(child.number)) parent.subIssues.push(child.number);
    child.parent = parent.number;
    return child;
  }

  // ---- git refs ---------------------------------------------------------------------------

  async getRef(ref: string): Promise<{ ref: string; sha: string }> {
    const full = `refs/${ref}`;
    const sha = await this.git.resolve(full);
    if (!sha || !(await this.git.refs(full)).some((found) => found.ref === full)) throw notFound();
    return { ref: full, sha };
  }

  async matchingRefs(prefix: string): Promise<{ ref: string; sha: string }[]> {
    const all = await this.git.refs('refs/');
    return all.filter((found) => found.ref.startsWith(`refs/${prefix}`));
  }

  async createRef(actor: User, ref: string, sha: string): Promise<{ ref: string; sha: string }> {
    this.require(actor, 'write');
    if (
      !/^refs\/(heads|tags)\/[^\s~^:?*[\\]+$/.test(ref) ||
      ref.endsWith('/') ||
      ref.includes('..')
    ) {
      throw new ApiError(422, 'Reference name is not valid');
    }
    if (!(await this.git.objectExists(sha))) throw new ApiError(422, 'Object does not exist');
    await this.refuseProtectedUpdate(actor, ref, ZERO_SHA, sha);
    // Creation is atomic: of two racing creators exactly one wins, the other gets GitHub's 422.
    if (!(await this.git.compareAndSwap(ref, sha, ZERO_SHA)))
      throw new ApiError(422, ERROR_REFERENCE_EXISTS);
    await this.refsChanged(actor);
    return { ref, sha };
  }

  async updateRef(
    actor: User,
    ref: string,
    sha: string,
    force: boolean,
  ): Promise<{ ref: string; sha: string }> {
    this.require(actor, 'write');
    const full = `refs/${ref}`;
    const current = await this.git.resolve(full);
    if (!current) throw new ApiError(422, ERROR_REFERENCE_MISSING);
    if (!(await this.git.objectExists(sha))) throw new ApiError(422, 'Object does not exist');
    if (!force && !(await this.git.isAncestor(current, sha)))
      throw new ApiError(422, ERROR_NOT_FAST_FORWARD);
    await this.refuseProtectedUpdate(actor, full, current, sha);
    if (!(await this.git.compareAndSwap(full, sha, current))) {
      // Someone moved it in between; GitHub answers the same way for a lost race.
      throw new ApiError(422, ERROR_NOT_FAST_FORWARD);
    }
    await this.refsChanged(actor);
    return { ref: full, sha };
  }

  async deleteRef(actor: User, ref: string): Promise<void> {
    this.require(actor, 'write');
    const full = `refs/${ref}`;
    const current = await this.git.resolve(full);
    if (!current) throw new ApiError(422, ERROR_REFERENCE_MISSING);
    await this.refuseProtectedUpdate(actor, full, current, undefined);
    if (!(await this.git.deleteRef(full, current)))
      throw new ApiError(422, ERROR_REFERENCE_MISSING);
    await this.refsChanged(actor);
  }

  /**
   * Why branch protection refuses to move `ref` from `before` to `after` (undefined: delete),
   * in GitHub's words, or undefined when it may. Only the default branch is protected.
   */
  async protectedUpdateRefusal(
    ref: string,
    before: string | undefined,
    after: string | undefined,
    actor: User,
    fastForward?: boolean,
  ): Promise<string | undefined> {
    // The merge queue's branches are its own: nobody pushes to them [unverified wording].
    if (ref.startsWith(`refs/heads/${QUEUE_BRANCHES}`) && before !== after)
      return 'Cannot update a merge queue branch: it is read-only.';
    const protection = this.settings.protection;
    if (!protection || ref !== `refs/heads/${this.defaultBranch}` || before === after)
      return undefined;
    // Classic protection lets administrators bypass it unless it is enforced for them too.
    if (actor.permission === 'admin' && !protection.enforceAdmins) return undefined;
    if (after === undefined || after === ZERO_SHA)
      return protection.allowDeletions ? undefined : 'Cannot delete this protected branch';
    const forced =
      before !== undefined &&
      before !== ZERO_SHA &&
      !(fastForward ?? (await this.git.isAncestor(before, after)));
    if (forced && !protection.allowForcePushes) return 'Cannot force-push to this branch';
    if (protection.mergeQueue) return 'Changes must be made through the merge queue';
    if (protection.requiredApprovals > 0) return 'Changes must be made through a pull request.';
    const missing = this.checkRequirements(after, protection).missingChecks[0];
    if (missing)
      return `Required status check "${missing.name}" is ${describeCheck(missing.state)}.`;
    return undefined;
  }

  /** A ref update over REST or GraphQL that protection refuses: GitHub's 422. */
  private async refuseProtectedUpdate(
    actor: User,
    ref: string,
    before: string | undefined,
    after: string | undefined,
  ): Promise<void> {
    const refusal = await this.protectedUpdateRefusal(ref, before, after, actor);
    if (refusal) throw new ApiError(422, 'Reference update failed', { reason: refusal });
  }

  /**
   * What a push over git may not do: GitHub's pre-receive answer (`GH006`) for the first
   * refused update, or undefined. `updates` are the hook's lines: old, new, ref.
   */
  async pushRefusal(
    actor: User,
    updates: { before: string; after: string; ref: string; fastForward: boolean }[],
  ): Promise<string | undefined> {
    for (const update of updates) {
      const refusal = await this.protectedUpdateRefusal(
        update.ref,
        update.before,
        update.after,
        actor,
        update.fastForward,
      );
      if (refusal) return `GH006: Protected branch update failed for ${update.ref}.\n${refusal}`;
    }
    return undefined;
  }

  // ---- what follows a change of branches ------------------------------------------------

  /**
   * Everything GitHub does after branches moved (a push, a ref update, a merge): the pull
   * requests of a deleted head branch close, mergeability is recomputed (unknown for a few
   * reads), `push` and `pull_request` workflows start (not for a `GITHUB_TOKEN`), and auto-merge
   * looks again. One change is looked at at a time: two pushes answered together cannot see
   * the same move twice, or undo each other's view of the branches.
   */
  refsChanged(actor: User): Promise<void> {
    return this.refsSerial.run(() => this.applyRefChanges(actor));
  }

  private async applyRefChanges(actor: User): Promise<void> {
    const current = new Map(
      (await this.git.refs('refs/heads/')).map((found) => [found.ref, found.sha]),
    );
    const changes: { branch: string; before?: string; after?: string }[] = [];
    for (const [ref, sha] of current)
      if (this.knownBranches.get(ref) !== sha)
        changes.push({
          branch: ref.slice('refs/heads/'.length),
          before: this.knownBranches.get(ref),
          after: sha,
        });
    for (const [ref, sha] of this.knownBranches)
      if (!current.has(ref)) changes.push({ branch: ref.slice('refs/heads/'.length), before: sha });
    this.knownBranches.clear();
    for (const [ref, sha] of current) this.knownBranches.set(ref, sha);
    const now = timestamp();
    for (const change of changes) {
      if (change.branch.startsWith(QUEUE_BRANCHES)) continue;
      const open = this.openPulls();
      if (change.after === undefined) {
        // GitHub closes an open pull request whose head branch is deleted, and one whose base
        // branch is deleted (cli/cli#14223: deleting a base branch over REST closed the pull
        // request; the web's retargeting after a merge is not modelled).
        for (const pull of open.filter(
          (p) => (!p.fork && p.head === change.branch) || p.base === change.branch,
        )) {
          pull.state = 'closed';
          pull.closedAt = now;
          pull.closedBy = actor.login;
          pull.closedHeadSha =
            !pull.fork && pull.head === change.branch
              ? (change.before ?? null)
              : (current.get(this.headRef(pull)) ?? (await this.git.resolve(this.headRef(pull)))) ||
                null;
          pull.updatedAt = now;
          pull.autoMerge = null;
          pull.events.push(this.event('closed', actor.login, now));
          this.dequeue(pull.number);
        }
        continue;
      }
      for (const pull of open.filter(
        (p) => (!p.fork && p.head === change.branch) || p.base === change.branch,
      ))
        pull.unknownReads = this.timing.mergeableUnknownReads;
      this.triggerCi({
        event: 'push',
        actor: actor.login,
        headSha: change.after,
        branch: change.branch,
      });
      for (const pull of open.filter((p) => !p.fork && p.head === change.branch)) {
        if (
          this.mergeQueue.some(
            (entry) => entry.pull === pull.number && entry.headSha !== change.after,
          )
        )
          this.dequeue(pull.number);
        await this.pullRequestCi(pull, actor);
      }
    }
    this.settleAutoMerges();
  }

  private openPulls(): Pull[] {
    return [...this.items.values()].filter(
      (item): item is Pull => item.kind === 'pull' && item.state === 'open',
    );
  }

  /**
   * `pull_request` workflows of an opened or pushed pull request. As on GitHub they run on the
   * test merge commit (`refs/pull/N/merge`) and report on the head; a conflict starts none.
   */
  private async pullRequestCi(pull: Pull, actor: User): Promise<void> {
    if (!this.ci.workflows.some((flow) => flow.on.includes('pull_request'))) return;
    const head = await this.git.resolve(this.headRef(pull));
    const base = await this.branchHead(pull.base);
    if (!head || !base) return;
    const tree = await this.git.mergeTree(base, head);
    if (tree === undefined) return;
    const merge = await this.git.commitTree(
      tree,
      [base, head],
      `Merge ${head} into ${base}\n`,
      this.signature(actor, timestamp()),
    );
    await this.git.must(['update-ref', `refs/pull/${pull.number}/merge`, merge]);
    this.triggerCi({
      event: 'pull_request',
      actor: actor.login,
      headSha: head,
      checkoutSha: merge,
      branch: pull.head,
    });
  }

  /** Starts the CI runs an event causes and lists them among the workflow runs. */
  triggerCi(trigger: Trigger): CiRun[] {
    const runs = this.ci.trigger(trigger);
    for (const run of runs)
      this.workflowRuns.push({
        id: run.id,
        name: run.name,
        status: run.status,
        conclusion: run.conclusion,
        createdAt: run.createdAt,
        headBranch: run.headBranch,
        ci: run,
      });
    return runs;
  }

  /** How the CI model reaches the rest of the twin. */
  private ciHost(): CiHost {
    return {
      git: this.git,
      owner: this.owner,
      name: this.name,
      allocateId: () => this.allocateId(),
      reportCheck: (spec) => {
        const id = this.allocateId();
        this.checkRuns.push({
          id,
          nodeId: nodeId('CR', id),
          headSha: spec.headSha,
          name: spec.name,
          status: spec.status as CheckRun['status'],
          conclusion: null,
          startedAt: timestamp(),
          completedAt: null,
          externalId: spec.externalId,
          app: { id: ACTIONS_APP.id, slug: ACTIONS_APP.slug, owner: 'github' },
        });
        return id;
      },
      finishCheck: (id, conclusion) => {
        const run = this.checkRuns.find((candidate) => candidate.id === id);
        if (!run) return;
        run.status = 'completed';
        run.conclusion = conclusion;
        run.completedAt = timestamp();
      },
      checksChanged: () => this.settleAutoMerges(),
    };
  }

  /**
   * `POST …/actions/workflows/{id}/dispatches`: runs the workflow on the ref's head. Allowed to
   * a `GITHUB_TOKEN`, which is how a workflow starts CI on a branch it pushed.
   */
  async dispatchWorkflow(actor: User, reference: string, ref: string): Promise<CiRun[]> {
    this.require(actor, 'write');
    const found = this.ci.workflow(reference);
    if (!found) throw notFound();
    if (!found.workflow.on.includes('workflow_dispatch'))
      throw new ApiError(422, "Workflow does not have 'workflow_dispatch' trigger");
    const branch = ref.replace(/^refs\/heads\//, '');
    const sha = await this.branchHead(branch);
    if (!sha) throw new ApiError(422, `No ref found for: ${ref}`);
    return this.triggerCi({
      event: 'workflow_dispatch',
      actor: actor.login,
      headSha: sha,
      branch,
      workflow: String(found.id),
    });
  }

  /** `POST /repos/{owner}/{repo}/dispatches`: `repository_dispatch` workflows on the default branch. */
  async repositoryDispatch(actor: User, eventType: string): Promise<CiRun[]> {
    this.require(actor, 'write');
    if (eventType.trim() === '' || eventType.length > 100)
      throw validationFailed([{ resource: 'Repository', code: 'invalid', field: 'event_type' }]);
    const sha = (await this.branchHead(this.defaultBranch))!;
    return this.triggerCi({
      event: 'repository_dispatch',
      actor: actor.login,
      headSha: sha,
      branch: this.defaultBranch,
    });
  }

  /** Runs what waits for a tick: held CI runs, and work GitHub does later; until all is done. */
  async tick(): Promise<{ ran: number; failures: string[] }> {
    this.ci.release();
    return this.background.tick();
  }

  /**
   * Stops background work and CI processes (the twin is shutting down): nothing new starts,
   * every process is killed, and the answer comes once the work that was running has ended,
   * so the repository can be removed after it.
   */
  async close(): Promise<void> {
    this.background.close();
    this.ci.close();
    await this.background.drain();
  }

  async branchHead(branch: string): Promise<string | undefined> {
    return this.git.resolve(`refs/heads/${branch}`);
  }

  /** `createCommitOnBranch`: a commit from file changes, only if the branch is still at `expectedHeadOid`. */
  async commitOnBranch(
    actor: User,
    branch: string,
    expectedHeadOid: string,
    message: string,
    changes: { additions: { path: string; contents: Buffer }[]; deletions: string[] },
  ): Promise<string> {
    this.require(actor, 'write');
    const head = await this.branchHead(branch);
    if (!head)
      throw new ApiError(422, `A ref named "refs/heads/${branch}" does not exist`, {
        type: 'NOT_FOUND',
      });
    if (head !== expectedHeadOid) {
      throw new ApiError(
        422,
        `Expected branch to point to "${expectedHeadOid}" but it did not. Pull and try again.`,
        { type: 'STALE_DATA' },
      );
    }
    const commit = await this.git.commitFiles(
      head,
      changes,
      message,
      this.signature(actor, timestamp()),
    );
    await this.refuseProtectedUpdate(actor, `refs/heads/${branch}`, head, commit);
    if (!(await this.git.compareAndSwap(`refs/heads/${branch}`, commit, head))) {
      throw new ApiError(
        422,
        `Expected branch to point to "${expectedHeadOid}" but it did not. Pull and try again.`,
        { type: 'STALE_DATA' },
      );
    }
    await this.refsChanged(actor);
    return commit;
  }

  // ---- pull requests ---------------------------------------------------------------------

  async createPull(
    actor: User,
    spec: { title: string; body: string; head: string; base: string; draft: boolean },
  ): Promise<Pull> {
    this.require(actor, 'write');
    const head = spec.head.includes(':') ? spec.head.split(':').slice(1).join(':') : spec.head;
    const headSha = await this.branchHead(head);
    if (!headSha)
      throw validationFailed([{ resource: 'PullRequest', field: 'head', code: 'invalid' }]);
    const baseSha = await this.branchHead(spec.base);
    if (!baseSha)
      throw validationFailed([{ resource: 'PullRequest', field: 'base', code: 'invalid' }]);
    const open = [...this.items.values()].find(
      (item) =>
        item.kind === 'pull' &&
        item.state === 'open' &&
        item.fork === null &&
        item.head === head &&
        item.base === spec.base,
    );
    if (open) {
      throw validationFailed([
        {
          resource: 'PullRequest',
          code: 'custom',
          message: `A pull request already exists for ${this.owner}:${head}.`,
        },
      ]);
    }
    if (await this.git.isAncestor(headSha, baseSha)) {
      throw validationFailed([
        {
          resource: 'PullRequest',
          code: 'custom',
          message: `No commits between ${spec.base} and ${head}`,
        },
      ]);
    }
    if (spec.title.trim() === '')
      throw validationFailed([{ resource: 'PullRequest', code: 'missing_field', field: 'title' }]);
    const pull = this.newPull(this.nextNumber++, {
      title: spec.title,
      body: spec.body,
      author: actor.login,
      createdAt: timestamp(),
      head,
      fork: null,
      base: spec.base,
      draft: spec.draft,
    });
    this.items.set(pull.number, pull);
    await this.pullRequestCi(pull, actor);
    return pull;
  }

  /** `markPullRequestReadyForReview` and `convertPullRequestToDraft`. */
  setDraft(actor: User, number: number, draft: boolean): Pull {
    const pull = this.pull(number);
    if (actor.login !== pull.author) this.require(actor, 'write');
    if (pull.state !== 'open')
      throw new ApiError(422, 'Pull request is closed', { type: 'UNPROCESSABLE' });
    pull.draft = draft;
    pull.updatedAt = timestamp();
    if (draft) {
      // A draft cannot merge: GitHub turns auto-merge off and takes it out of the merge queue.
      pull.autoMerge = null;
      this.dequeue(pull.number);
    }
    this.settleAutoMerges();
    return pull;
  }

  private newPull(
    number: number,
    spec: {
      title: string;
      body: string;
      author: string;
      createdAt: string;
      head: string;
      fork: Pull['fork'];
      base: string;
      draft: boolean;
    },
  ): Pull {
    const id = this.allocateId();
    return {
      kind: 'pull',
      number,
      id,
      nodeId: nodeId('PR', id),
      title: spec.title,
      body: spec.body,
      author: spec.author,
      createdAt: spec.createdAt,
      updatedAt: spec.createdAt,
      closedAt: null,
      state: 'open',
      labels: [],
      events: [],
      lastEditedAt: null,
      editor: null,
      edits: [],
      closedBy: null,
      locked: false,
      lockReason: null,
      head: spec.head,
      fork: spec.fork,
      base: spec.base,
      draft: spec.draft,
      merged: false,
      mergedAt: null,
      mergedBy: null,
      mergeCommitSha: null,
      closedHeadSha: null,
      baseShaAtMerge: null,
      autoMerge: null,
      unknownReads: this.timing.mergeableUnknownReads,
    };
  }

  /**
   * Where a pull request's head commit is: its branch, or for a fork GitHub's `refs/pull/N/head`
   * in this repository (the fork's own repository is not modelled).
   */
  headRef(pull: Pull): string {
    return pull.fork ? `refs/pull/${pull.number}/head` : `refs/heads/${pull.head}`;
  }

  /** The head branch as `owner:branch`, as REST's `head.label` and the `head` filter write it. */
  headLabel(pull: Pull): string {
    return `${pull.fork?.owner ?? this.owner}:${pull.head}`;
  }

  async pullHeadSha(pull: Pull): Promise<string> {
    if (pull.state === 'closed' && pull.closedHeadSha) return pull.closedHeadSha;
    return (await this.git.resolve(this.headRef(pull))) ?? pull.closedHeadSha ?? ZERO_SHA;
  }

  async pullBaseSha(pull: Pull): Promise<string> {
    if (pull.merged && pull.baseShaAtMerge) return pull.baseShaAtMerge;
    return (await this.branchHead(pull.base)) ?? ZERO_SHA;
  }

  /** Whether head merges cleanly into base: true, false, or null when a branch is gone. */
  async mergeable(pull: Pull): Promise<boolean | null> {
    if (pull.merged) return null;
    const head = await this.git.resolve(this.headRef(pull));
    const base = await this.branchHead(pull.base);
    if (!head || !base) return null;
    return (await this.git.mergeTree(base, head)) !== undefined;
  }

  /**
   * Mergeability as an API reader sees it: null (`UNKNOWN`) for the first reads after a push or
   * a base change, while GitHub computes it in the background. `reader` is one request, so the
   * fields one request reads agree.
   */
  async observedMergeability(
    pull: Pull,
    reader: object,
  ): Promise<{ mergeable: boolean | null; status: MergeStateStatus }> {
    const seen = this.readers.get(reader)?.get(pull.number);
    if (seen) return seen;
    let answer: { mergeable: boolean | null; status: MergeStateStatus };
    if (pull.state === 'open' && pull.unknownReads > 0) {
      pull.unknownReads--;
      answer = { mergeable: null, status: 'UNKNOWN' };
    } else {
      answer = { mergeable: await this.mergeable(pull), status: await this.mergeStateStatus(pull) };
    }
    const forReader = this.readers.get(reader) ?? new Map();
    forReader.set(pull.number, answer);
    this.readers.set(reader, forReader);
    return answer;
  }

  /** What the required checks ask of a commit, and what it has. */
  checkRequirements(
    sha: string,
    protection: Fixture['repository']['protection'],
  ): Pick<Requirements, 'missingChecks' | 'otherFailures' | 'otherPending'> {
    const required = (protection?.requiredChecks ?? []).map((check) =>
      typeof check === 'string' ? { context: check, appId: undefined } : check,
    );
    const names = required.map((check) => check.context);
    const runs = this.latestCheckRuns(sha);
    const statuses = this.latestStatuses(sha);
    const missingChecks: Requirements['missingChecks'] = [];
    for (const { context: name, appId } of required) {
      // A check pinned to an app counts only when that app reported it (GitHub's `app_id`).
      const states = [
        ...runs
          .filter((run) => run.name === name && (appId === undefined || run.app.id === appId))
          .map(checkRunState),
        ...statuses
          .filter(
            (status) =>
              status.context === name &&
              (appId === undefined || this.user(status.creator)?.appId === appId),
          )
          .map(statusState),
      ];
      if (states.length === 0) missingChecks.push({ name, state: 'expected' });
      else if (states.includes('failing')) missingChecks.push({ name, state: 'failing' });
      else if (states.includes('pending')) missingChecks.push({ name, state: 'pending' });
    }
    const others = [
      ...runs
        .filter((run) => !names.includes(run.name))
        .map((run) => ({ name: run.name, state: checkRunState(run) })),
      ...statuses
        .filter((status) => !names.includes(status.context))
        .map((status) => ({ name: status.context, state: statusState(status) })),
    ];
    return {
      missingChecks,
      otherFailures: others.filter((other) => other.state === 'failing').map((o) => o.name),
      otherPending: others.filter((other) => other.state === 'pending').map((o) => o.name),
    };
  }

  /** What branch protection asks of this pull request's head, and what it has. */
  async requirements(pull: Pull): Promise<Requirements> {
    const sha = await this.pullHeadSha(pull);
    const protection = pull.base === this.defaultBranch ? this.settings.protection : undefined;
    const { missingChecks, otherFailures, otherPending } = this.checkRequirements(sha, protection);
    const latestByUser = new Map<string, Review>();
    for (const review of this.reviews.filter(
      (r) => r.pull === pull.number && r.state !== 'COMMENTED',
    )) {
      latestByUser.set(review.user, review);
    }
    const approvals = [...latestByUser.values()].filter(
      (review) =>
        review.state === 'APPROVED' &&
        review.user !== pull.author &&
        atLeast(this.permissionOf(review.user), 'write'),
    ).length;
    let upToDate = true;
    if (protection?.requireUpToDate) {
      const base = await this.branchHead(pull.base);
      upToDate = base !== undefined && (await this.git.isAncestor(base, sha));
    }
    return {
      missingChecks,
      otherFailures,
      otherPending,
      approvals,
      requiredApprovals: protection?.requiredApprovals ?? 0,
      upToDate,
    };
  }

  async mergeStateStatus(pull: Pull): Promise<MergeStateStatus> {
    if (pull.state !== 'open') return 'UNKNOWN';
    const mergeable = await this.mergeable(pull);
    if (mergeable === null) return 'UNKNOWN';
    if (!mergeable) return 'DIRTY';
    if (pull.draft) return 'DRAFT';
    const requirements = await this.requirements(pull);
    if (!requirements.upToDate) return 'BEHIND';
    if (
      requirements.missingChecks.length > 0 ||
      requirements.approvals < requirements.requiredApprovals
    )
      return 'BLOCKED';
    // GitHub's `unstable`: mergeable, but a check that is not required failed or is pending.
    if (requirements.otherFailures.length > 0 || requirements.otherPending.length > 0)
      return 'UNSTABLE';
    return 'CLEAN';
  }

  /** Why protection refuses a merge now, in GitHub's words, or undefined when it allows it. */
  private async protectionRefusal(pull: Pull): Promise<string | undefined> {
    const requirements = await this.requirements(pull);
    const reasons: string[] = [];
    for (const check of requirements.missingChecks) {
      reasons.push(`Required status check "${check.name}" is ${describeCheck(check.state)}.`);
    }
    if (requirements.approvals < requirements.requiredApprovals) {
      reasons.push(
        `Changes must be made through a pull request. ${requirements.requiredApprovals} of ${requirements.requiredApprovals} required approving reviews are needed.`,
      );
    }
    if (!requirements.upToDate)
      reasons.push('Changes must be made on a branch that is up to date with the base branch.');
    if (reasons.length === 0) return undefined;
    return `Repository rule violations found\n\n${reasons.join('\n\n')}\n\n`;
  }

  async mergePull(
    actor: User,
    number: number,
    options: {
      sha?: string;
      method: 'merge' | 'squash' | 'rebase';
      title?: string;
      message?: string;
    },
  ): Promise<{ sha: string }> {
    this.require(actor, 'write');
    const pull = this.pull(number);
    if (pull.state !== 'open' || pull.merged) throw new ApiError(405, ERROR_NOT_MERGEABLE);
    const head = await this.git.resolve(this.headRef(pull));
    const base = await this.branchHead(pull.base);
    if (!head || !base) throw new ApiError(405, ERROR_NOT_MERGEABLE);
    if (options.sha !== undefined && options.sha !== head)
      throw new ApiError(409, ERROR_HEAD_MODIFIED);
    if (pull.draft) throw new ApiError(405, ERROR_DRAFT);
    if (this.queueRequired(pull)) throw new ApiError(405, ERROR_MERGE_QUEUE_REQUIRED);
    if (options.method === 'merge' && !this.settings.allowMergeCommit) {
      throw new ApiError(405, 'Merge commits are not allowed on this repository.');
    }
    if (options.method === 'squash' && !this.settings.allowSquashMerge) {
      throw new ApiError(405, 'Squash merges are not allowed on this repository.');
    }
    if (options.method === 'rebase')
      throw new ApiError(405, 'Rebase merges are not allowed on this repository.');
    const tree = await this.git.mergeTree(base, head);
    if (tree === undefined) throw new ApiError(405, ERROR_NOT_MERGEABLE);
    const refusal = await this.protectionRefusal(pull);
    if (refusal) throw new ApiError(405, refusal);
    const now = timestamp();
    const title =
      options.title ??
      (options.method === 'squash'
        ? `${pull.title} (#${pull.number})`
        : `Merge pull request #${pull.number} from ${pull.fork?.owner ?? this.owner}/${pull.head}`);
    const message = `${title}\n\n${options.message ?? pull.title}\n`;
    const commit = await this.git.commitTree(
      tree,
      options.method === 'squash' ? [base] : [base, head],
      message,
      this.signature(actor, now),
    );
    if (!(await this.git.compareAndSwap(`refs/heads/${pull.base}`, commit, base))) {
      throw new ApiError(405, 'Base branch was modified. Review and try the merge again.');
    }
    this.recordMerge(pull, actor, { commit, head, base }, now);
    await this.deleteMergedHead(pull, head);
    await this.refsChanged(actor);
    return { sha: commit };
  }

  /**
   * `PATCH /repos/{owner}/{repo}`: the repository's settings the twin models. Only an
   * administrator may change them (an app also needs Administration, checked before).
   */
  updateRepository(actor: User, changes: { deleteBranchOnMerge?: boolean }): void {
    this.require(actor, 'admin');
    if (changes.deleteBranchOnMerge !== undefined)
      this.settings.deleteBranchOnMerge = changes.deleteBranchOnMerge;
  }

  /**
   * "Automatically delete head branches": once a pull request merged, GitHub deletes its head
   * branch when that branch is in this repository. Open pull requests based on it are retargeted
   * to the merged one's base (GitHub's retargeting, which follows a deletion by the merge; no
   * `base_ref_changed` event is recorded). The default branch is never deleted, nor a branch
   * that is the head of another open pull request [unverified], nor one that moved since the
   * merge. The caller's `refsChanged` then sees the deletion like any other.
   */
  private async deleteMergedHead(pull: Pull, headSha: string): Promise<void> {
    if (!this.settings.deleteBranchOnMerge || pull.fork || pull.head === this.defaultBranch) return;
    const others = this.openPulls().filter((other) => other.number !== pull.number);
    if (others.some((other) => !other.fork && other.head === pull.head)) return;
    const now = timestamp();
    const retargeted = others.filter((other) => other.base === pull.head);
    for (const other of retargeted) {
      other.base = pull.base;
      other.updatedAt = now;
      other.unknownReads = this.timing.mergeableUnknownReads;
    }
    if (!(await this.git.deleteRef(`refs/heads/${pull.head}`, headSha)))
      for (const other of retargeted) other.base = pull.head;
  }

  private recordMerge(
    pull: Pull,
    actor: User,
    shas: { commit: string; head: string; base: string },
    now: string,
  ): void {
    pull.merged = true;
    pull.mergedAt = now;
    pull.mergedBy = actor.login;
    pull.mergeCommitSha = shas.commit;
    pull.closedHeadSha = shas.head;
    pull.baseShaAtMerge = shas.base;
    pull.state = 'closed';
    pull.closedAt = now;
    pull.closedBy = actor.login;
    pull.updatedAt = now;
    pull.autoMerge = null;
    pull.events.push(this.event('merged', actor.login, now));
    this.closeLinkedIssues(actor, pull, now);
  }

  /**
   * `Closes #N` in a merged pull request's body closes issue N, as on GitHub: only for merges
   * into the default branch.
   */
  private closeLinkedIssues(actor: User, pull: Pull, now: string): void {
    if (pull.base !== this.defaultBranch) return;
    for (const number of this.closingIssues(pull.body)) {
      const item = this.items.get(number);
      if (item?.kind === 'issue' && item.state === 'open') {
        item.state = 'closed';
        item.stateReason = 'completed';
        item.closedAt = now;
        item.closedBy = actor.login;
        item.updatedAt = now;
        item.events.push(
          this.event('closed', actor.login, now, undefined, { stateReason: 'completed' }),
        );
      }
    }
  }

  /** The issues a body's closing keywords name (`Closes #N`, `fixes #N`, `resolved #N`…). */
  closingIssues(body: string): number[] {
    const pattern = /\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\s+#(\d+)\b/gi;
    const numbers = [...body.matchAll(pattern)].map((match) => Number(match[1]));
    return [...new Set(numbers)].filter((n) => this.items.get(n)?.kind === 'issue');
  }

  /**
   * Whether protection requires this check of the pull request: its name is required and, when
   * the requirement is pinned to an app, `appId` (the reporter's) is that app.
   */
  isRequiredCheck(pull: Pull, name: string, appId: number | undefined): boolean {
    if (pull.base !== this.defaultBranch) return false;
    return (this.settings.protection?.requiredChecks ?? []).some((check) =>
      typeof check === 'string'
        ? check === name
        : check.context === name && (check.appId === undefined || check.appId === appId),
    );
  }

  async updatePullBranch(actor: User, number: number, expectedHeadSha?: string): Promise<void> {
    this.require(actor, 'write');
    const pull = this.pull(number);
    if (pull.fork)
      throw new ApiError(
        422,
        'The twin does not model updating the branch of a pull request from a fork.',
      );
    const head = await this.branchHead(pull.head);
    const base = await this.branchHead(pull.base);
    if (pull.state !== 'open' || !head || !base) throw new ApiError(422, ERROR_NOT_MERGEABLE);
    if (expectedHeadSha !== undefined && expectedHeadSha !== head) {
      throw new ApiError(422, "expected head sha didn't match current head ref.");
    }
    if (await this.git.isAncestor(base, head)) throw new ApiError(422, ERROR_NO_NEW_BASE_COMMITS);
    const tree = await this.git.mergeTree(head, base);
    if (tree === undefined) throw new ApiError(422, 'merge conflict between base and head');
    // GitHub answers 202 and moves the head later; a push in between wins and the update is lost.
    this.background.later(async () => {
      const commit = await this.git.commitTree(
        tree,
        [head, base],
        `Merge branch '${pull.base}' into ${pull.head}\n`,
        this.signature(actor, timestamp()),
      );
      if (await this.git.compareAndSwap(`refs/heads/${pull.head}`, commit, head))
        await this.refsChanged(actor);
    });
  }

  /** `disablePullRequestAutoMerge`: needs push access; a pull request without it is unchanged. */
  disableAutoMerge(actor: User, number: number): Pull {
    this.require(actor, 'write');
    const pull = this.pull(number);
    pull.autoMerge = null;
    return pull;
  }

  async enableAutoMerge(
    actor: User,
    number: number,
    method: AutoMerge['method'],
    expectedHeadOid?: string,
  ): Promise<Pull> {
    this.require(actor, 'write');
    const pull = this.pull(number);
    if (!this.settings.allowAutoMerge)
      throw new ApiError(422, 'Auto merge is not allowed for this repository', {
        type: 'UNPROCESSABLE',
      });
    // GitHub's words for a closed pull request (peter-evans/enable-pull-request-automerge#1060);
    // a draft's follow the same pattern [unverified].
    if (pull.state !== 'open')
      throw new ApiError(422, 'Pull request Pull request is closed', { type: 'UNPROCESSABLE' });
    if (pull.draft)
      throw new ApiError(422, 'Pull request Pull request is in draft status', {
        type: 'UNPROCESSABLE',
      });
    const head = await this.pullHeadSha(pull);
    if (expectedHeadOid !== undefined && expectedHeadOid !== head) {
      throw new ApiError(422, ERROR_HEAD_MODIFIED, { type: 'UNPROCESSABLE' });
    }
    const status = await this.mergeStateStatus(pull);
    if ((status === 'CLEAN' || status === 'UNSTABLE') && !this.queueRequired(pull)) {
      throw new ApiError(422, `Pull request Pull request is in ${status.toLowerCase()} status`, {
        type: 'UNPROCESSABLE',
      });
    }
    pull.autoMerge = { enabledBy: actor.login, method, enabledAt: timestamp() };
    this.settleAutoMerges();
    return pull;
  }

  /**
   * After something changed, GitHub looks again, later, at every pull request with auto-merge
   * enabled, and at the merge queue. Requests never merge inside their own answer.
   */
  settleAutoMerges(): void {
    if (!this.autoMergePending) {
      this.autoMergePending = true;
      this.background.later(async () => {
        this.autoMergePending = false;
        await this.autoMergeSerial.run(() => this.runAutoMerges());
      });
    }
    this.advanceQueue();
  }

  /**
   * Merges (or, on a merge-queue branch, enqueues) every auto-merge whose requirements hold. An
   * attempt that fails is recorded (`backgroundFailures` in `/_twin/state`, and the next tick's
   * `failures`), not dropped.
   */
  private async runAutoMerges(): Promise<void> {
    for (const pull of this.openPulls()) {
      if (!pull.autoMerge) continue;
      const enabler = this.user(pull.autoMerge.enabledBy);
      if (!enabler) continue;
      try {
        if (this.queueRequired(pull)) {
          // The queue tests the group on an up-to-date base: a pull request behind its base
          // joins once its own requirements hold.
          if (this.mergeQueue.some((entry) => entry.pull === pull.number)) continue;
          if (pull.draft || (await this.enqueueRefusal(pull)) !== undefined) continue;
          if (pull.state === 'open' && pull.autoMerge) await this.enqueue(enabler, pull.number);
          continue;
        }
        const status = await this.mergeStateStatus(pull);
        if (status !== 'CLEAN' && status !== 'UNSTABLE') continue;
        if (pull.state !== 'open' || !pull.autoMerge) continue;
        const method = pull.autoMerge.method === 'SQUASH' ? 'squash' : 'merge';
        await this.mergePull(enabler, pull.number, { method });
      } catch (error) {
        this.background.fail(error, `auto-merge of #${pull.number}`);
      }
    }
  }

  // ---- the merge queue ------------------------------------------------------------------

  /** Whether the pull request's base requires a merge queue (then direct merges are refused). */
  queueRequired(pull: Pull): boolean {
    return pull.base === this.defaultBranch && this.settings.protection?.mergeQueue === true;
  }

  /**
   * Why the pull request may not join the merge queue, after `Pull request ` in GitHub's answer,
   * or undefined. It must meet its own requirements (required checks on its head, approvals, no
   * conflict); only being up to date is left to the queue, which tests it on the latest base.
   */
  private async enqueueRefusal(pull: Pull): Promise<string | undefined> {
    if ((await this.mergeable(pull)) === false) return 'Pull request is in dirty status';
    const requirements = await this.requirements(pull);
    const missing = requirements.missingChecks[0];
    if (missing)
      return `Required status check "${missing.name}" is ${describeCheck(missing.state)}.`;
    if (requirements.approvals < requirements.requiredApprovals) {
      const wanted = requirements.requiredApprovals;
      return `At least ${wanted} approving review${wanted === 1 ? ' is' : 's are'} required by reviewers with write access.`;
    }
    return undefined;
  }

  /**
   * `enqueuePullRequest`: the pull request joins its base's queue. It must meet its own
   * requirements first (checks, reviews, no conflict; being behind is fine); the queue then
   * tests it on a merge-group commit. Enqueuing a queued pull request answers its entry.
   */
  async enqueue(actor: User, number: number, expectedHeadOid?: string): Promise<QueueEntry> {
    this.require(actor, 'write');
    const pull = this.pull(number);
    const unprocessable = (message: string) =>
      new ApiError(422, message, { type: 'UNPROCESSABLE' });
    const queued = () => this.mergeQueue.find((entry) => entry.pull === number);
    if (pull.state !== 'open') throw unprocessable('Pull request is closed');
    if (!this.queueRequired(pull))
      throw unprocessable('Merge queue is not enabled for the base branch');
    if (pull.draft) throw unprocessable(ERROR_DRAFT);
    const head = await this.pullHeadSha(pull);
    if (expectedHeadOid !== undefined && expectedHeadOid !== head)
      throw unprocessable(ERROR_HEAD_MODIFIED);
    const existing = queued();
    if (existing) return existing;
    // github-facts.md: `Pull request Required status check "X" is expected.`
    const refusal = await this.enqueueRefusal(pull);
    if (refusal) throw unprocessable(`Pull request ${refusal}`);
    // Everything below is synchronous: a concurrent request for the same pull request, or a
    // change while this one waited, is seen here.
    if (pull.state !== 'open') throw unprocessable('Pull request is closed');
    if (pull.draft) throw unprocessable(ERROR_DRAFT);
    const raced = queued();
    if (raced) return raced;
    const id = this.allocateId();
    const entry: QueueEntry = {
      id,
      nodeId: nodeId('MQE', id),
      pull: number,
      enqueuer: actor.login,
      enqueuedAt: timestamp(),
      headSha: head,
      group: null,
      state: 'QUEUED',
    };
    this.mergeQueue.push(entry);
    this.advanceQueue();
    return entry;
  }

  /**
   * `dequeuePullRequest`, or an ejection: the entry leaves the queue, the pull request stays
   * open, and its merge-group branch is deleted. An entry being merged (`LOCKED`) is past
   * leaving: undefined.
   */
  dequeue(number: number): QueueEntry | undefined {
    const entry = this.mergeQueue.find((candidate) => candidate.pull === number);
    if (!entry || entry.state === 'LOCKED') return undefined;
    this.removeEntry(entry);
    return entry;
  }

  /** Takes this very entry out of the queue; its branch is deleted after the current step. */
  private removeEntry(entry: QueueEntry): void {
    const index = this.mergeQueue.indexOf(entry);
    if (index < 0) return;
    this.mergeQueue.splice(index, 1);
    if (entry.group)
      this.background.start(() => this.queueSerial.run(() => this.sweepQueueBranches()));
    this.advanceQueue();
  }

  /** Deletes every `gh-readonly-queue/*` branch no queued entry is testing. */
  private async sweepQueueBranches(): Promise<void> {
    const testing = new Set(this.mergeQueue.map((entry) => entry.group?.ref));
    for (const found of await this.git.refs(`refs/heads/${QUEUE_BRANCHES}`))
      if (!testing.has(found.ref) && !(await this.git.deleteRef(found.ref, found.sha)))
        this.background.fail(new Error(`could not delete ${found.ref}`), 'merge queue');
  }

  private advanceQueue(): void {
    if (this.queuePending || this.mergeQueue.length === 0) return;
    this.queuePending = true;
    this.background.later(async () => {
      this.queuePending = false;
      await this.queueSerial.run(async () => {
        try {
          await this.stepQueue();
        } finally {
          await this.sweepQueueBranches();
        }
      });
    });
  }

  /**
   * One step of the queue, first entry only: build its merge-group commit on the base and run
   * the `merge_group` workflows on it; once the required checks pass there (and the pull
   * request still has its approvals), the base fast-forwards to it and the pull request is
   * merged; a failure, a conflict, a lost approval or a moved head ejects it. Steps never
   * overlap; after every wait the step checks that its entry is still first, and stops if not
   * (a branch it made is then swept away).
   */
  private async stepQueue(): Promise<void> {
    const entry = this.mergeQueue[0];
    if (!entry) return;
    const first = () => this.mergeQueue[0] === entry;
    const eject = () => {
      entry.state = 'UNMERGEABLE';
      this.removeEntry(entry);
    };
    const pull = this.pull(entry.pull);
    const enqueuer = this.user(entry.enqueuer) ?? this.user(BOT_LOGIN)!;
    const base = await this.branchHead(pull.base);
    const head = await this.git.resolve(this.headRef(pull));
    if (!first()) return;
    if (!base || head !== entry.headSha || pull.state !== 'open' || pull.draft) return eject();
    if (!entry.group || entry.group.baseSha !== base) {
      const tree = await this.git.mergeTree(base, entry.headSha);
      if (!first()) return;
      if (tree === undefined) return eject();
      const sha = await this.git.commitTree(
        tree,
        [base, entry.headSha],
        `Merge pull request #${pull.number} from ${this.owner}/${pull.head}\n\n${pull.title}\n`,
        this.signature(enqueuer, timestamp()),
      );
      if (!first()) return;
      const ref = `refs/heads/${QUEUE_BRANCHES}${pull.base}/pr-${pull.number}-${entry.headSha}`;
      await this.git.must(['update-ref', ref, sha]);
      if (!first()) return;
      entry.group = { sha, baseSha: base, ref };
      entry.state = 'AWAITING_CHECKS';
      // The queue, not the enqueuer, causes `merge_group` events [unverified for GITHUB_TOKEN].
      this.triggerCi({
        event: 'merge_group',
        actor: ACTIONS_APP.slug,
        headSha: sha,
        branch: ref.slice('refs/heads/'.length),
      });
    }
    const group = entry.group;
    const { missingChecks } = this.checkRequirements(group.sha, this.settings.protection);
    if (missingChecks.some((check) => check.state === 'failing')) return eject();
    if (missingChecks.length > 0) return; // waiting for its checks; they settle the queue again
    // Approvals belong to the pull request, not the group: one withdrawn meanwhile ejects it.
    const { approvals, requiredApprovals } = await this.requirements(pull);
    if (!first()) return;
    if (approvals < requiredApprovals || pull.state !== 'open' || pull.draft) return eject();
    entry.state = 'LOCKED';
    if (!(await this.git.compareAndSwap(`refs/heads/${pull.base}`, group.sha, base))) {
      // The base moved: test again on the new one.
      entry.state = 'AWAITING_CHECKS';
      this.advanceQueue();
      return;
    }
    this.mergeQueue.splice(this.mergeQueue.indexOf(entry), 1);
    this.recordMerge(pull, enqueuer, { commit: group.sha, head: entry.headSha, base }, timestamp());
    await this.deleteMergedHead(pull, entry.headSha);
    this.advanceQueue();
    await this.refsChanged(enqueuer);
  }

  // ---- checks, statuses and reviews -----------------------------------------------------

  latestCheckRuns(sha: string): CheckRun[] {
    const latest = new Map<string, CheckRun>();
    for (const run of this.checkRuns) if (run.headSha === sha) latest.set(run.name, run);
    return [...latest.values()];
  }

  latestStatuses(sha: string): CommitStatus[] {
    const latest = new Map<string, CommitStatus>();
    for (const status of this.statuses) if (status.sha === sha) latest.set(status.context, status);
    return [...latest.values()];
  }

  async createCheckRun(
    actor: User,
    spec: {
      name: string;
      headSha: string;
      status?: CheckRun['status'];
      conclusion?: string | null;
    },
  ): Promise<CheckRun> {
    this.require(actor, 'write');
    // Only GitHub Apps create check runs; a user's token is refused.
    if (actor.type !== 'Bot' || actor.appId === undefined)
      throw new ApiError(403, 'You must authenticate via a GitHub App.');
    if (!(await this.git.objectExists(spec.headSha))) {
      throw validationFailed([{ resource: 'CheckRun', code: 'invalid', field: 'head_sha' }]);
    }
    const id = this.allocateId();
    const now = timestamp();
    const completed = spec.conclusion !== undefined && spec.conclusion !== null;
    const run: CheckRun = {
      id,
      nodeId: nodeId('CR', id),
      headSha: spec.headSha,
      name: spec.name,
      status: completed ? 'completed' : (spec.status ?? 'queued'),
      conclusion: completed ? (spec.conclusion ?? null) : null,
      startedAt: now,
      completedAt: completed ? now : null,
      externalId: '',
      app: {
        id: actor.appId,
        slug: GITHUB_LOGIN_TO_NAME(actor.login),
        owner: actor.appId === ACTIONS_APP.id ? 'github' : this.owner,
      },
    };
    this.checkRuns.push(run);
    this.settleAutoMerges();
    return run;
  }

  async createStatus(
    actor: User,
    sha: string,
    spec: {
      state: CommitStatus['state'];
      context: string;
      description: string | null;
      targetUrl: string | null;
    },
  ): Promise<CommitStatus> {
    this.require(actor, 'write');
    if (!(await this.git.objectExists(sha))) {
      throw validationFailed([
        {
          resource: 'Status',
          code: 'custom',
          field: 'sha',
          message: `No commit found for SHA: ${sha}`,
        },
      ]);
    }
    const id = this.allocateId();
    const status: CommitStatus = {
      id,
      nodeId: nodeId('SC', id),
      sha,
      creator: actor.login,
      createdAt: timestamp(),
      ...spec,
    };
    this.statuses.push(status);
    this.settleAutoMerges();
    return status;
  }

  async createReview(
    actor: User,
    number: number,
    spec: { event: string; body: string; commitId?: string },
  ): Promise<Review> {
    this.require(actor, 'read');
    const pull = this.pull(number);
    const states: Record<string, Review['state']> = {
      APPROVE: 'APPROVED',
      REQUEST_CHANGES: 'CHANGES_REQUESTED',
      COMMENT: 'COMMENTED',
    };
    const state = states[spec.event];
    if (!state)
      throw validationFailed([{ resource: 'PullRequestReview', code: 'invalid', field: 'event' }]);
    if (pull.author === actor.login && state !== 'COMMENTED') {
      throw new ApiError(
        422,
        `Unprocessable Entity: Can not ${state === 'APPROVED' ? 'approve' : 'request changes on'} your own pull request`,
      );
    }
    const id = this.allocateId();
    const review: Review = {
      id,
      nodeId: nodeId('PRR', id),
      pull: number,
      user: actor.login,
      state,
      body: spec.body,
      commitId: spec.commitId ?? (await this.pullHeadSha(pull)),
      submittedAt: timestamp(),
    };
    this.reviews.push(review);
    this.settleAutoMerges();
    return review;
  }

  workflowRun(id: number): WorkflowRun {
    const run = this.workflowRuns.find((candidate) => candidate.id === id);
    if (!run) throw notFound();
    return run;
  }

  /** The whole state as plain JSON, for `/_twin/state` and for tests that compare snapshots. */
  async snapshot(): Promise<Record<string, unknown>> {
    const refs = await this.git.refs('refs/');
    return {
      repository: {
        owner: this.owner,
        name: this.name,
        defaultBranch: this.defaultBranch,
        deleteBranchOnMerge: this.settings.deleteBranchOnMerge,
      },
      refs: Object.fromEntries(refs.map((found) => [found.ref, found.sha])),
      labels: [...this.labels.values()],
      items: [...this.items.values()],
      comments: this.comments,
      deletedComments: this.deletedComments,
      checkRuns: this.checkRuns,
      statuses: this.statuses,
      reviews: this.reviews,
      workflowRuns: this.workflowRuns.map(({ ci, ...run }) => ({
        ...run,
        ...(ci ? { status: ci.status, conclusion: ci.conclusion } : {}),
      })),
      ciRuns: this.ci.runs,
      suppressedCi: this.ci.suppressed,
      artifacts: this.ci.artifacts,
      mergeQueue: this.mergeQueue,
      backgroundFailures: this.background.history,
      projects: this.projects.boards,
    };
  }
}

/** GitHub's node id prefixes of timeline events. */
const EVENT_PREFIX: Record<TimelineEvent['event'], string> = {
  labeled: 'LE',
  unlabeled: 'UNLE',
  closed: 'CE',
  reopened: 'REE',
  merged: 'ME',
  renamed: 'RTE',
  comment_deleted: 'CDE',
  locked: 'LOE',
  unlocked: 'UNLOE',
};

function checkCommentBody(body: string): void {
  if (body.length > 65536) {
    throw validationFailed([
      {
        resource: 'IssueComment',
        code: 'custom',
        field: 'body',
        message: 'Body is too long (maximum is 65536 characters)',
      },
    ]);
  }
}

/** GitHub's answer to a comment on a locked conversation from someone without push access. */
export const lockedConversation = (): ApiError =>
  new ApiError(403, 'Unable to create comment because issue is locked.', {
    documentation_url: 'https://help.github.com/articles/locking-conversations/',
  });

/** A required check's state in GitHub's refusal texts. */
function describeCheck(state: 'expected' | 'pending' | 'failing'): string {
  return state === 'expected' ? 'expected' : state === 'pending' ? 'in progress' : 'failing';
}

function checkRunState(run: CheckRun): 'pending' | 'failing' | 'success' {
  if (run.status !== 'completed') return 'pending';
  return ['success', 'neutral', 'skipped'].includes(run.conclusion ?? '') ? 'success' : 'failing';
}

function statusState(status: CommitStatus): 'pending' | 'failing' | 'success' {
  if (status.state === 'pending') return 'pending';
  return status.state === 'success' ? 'success' : 'failing';
}

function maxTime(a: string, b: string): string {
  return a > b ? a : b;
}

/** GitHub-style opaque global node ids: a type prefix and a base64 payload. */
export function nodeId(prefix: string, id: number): string {
  return `${prefix}_${Buffer.from(`twin:${id}`).toString('base64url')}`;
}

export function decodeNodeId(id: string): number | undefined {
  const match = /^[A-Z]+_([A-Za-z0-9_-]+)$/.exec(id);
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64url').toString();
  const number = /^twin:(\d+)$/.exec(decoded)?.[1];
  return number === undefined ? undefined : Number(number);
}
