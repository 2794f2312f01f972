import { schema as publishedSchema } from '@octokit/graphql-schema';
import {
  buildSchema,
  execute,
  getNamedType,
  GraphQLError,
  isObjectType,
  isInterfaceType,
  Kind,
  parse,
  validate,
  valueFromASTUntyped,
  type DocumentNode,
  type GraphQLFieldResolver,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { ApiError } from './errors.js';
import {
  atLeast,
  decodeNodeId,
  GITHUB_LOGIN_TO_NAME,
  sameLogin,
  type Comment,
  type ContentEdit,
  type Issue,
  type Item,
  type Label,
  type MinimizeClassifier,
  type Pull,
  type QueueEntry,
  type TimelineEvent,
  type TwinState,
  type User,
} from './state.js';
import {
  addItemById,
  boardNode,
  itemView as boardItemView,
  ownerView,
  updateItemFieldValue,
  type BoardViewKit,
} from './projects.js';
import { forkId, type Serializer } from './serialize.js';

/**
 * GraphQL executed against GitHub's published schema. Resolvers exist for the fields the toolkit
 * uses; asking for any other field is an error that names it, never a silent null.
 */

let githubSchema: GraphQLSchema | undefined;

/** Built from @octokit/graphql-schema's IDL, which is newer than its introspection JSON. */
export function githubGraphqlSchema(): GraphQLSchema {
  githubSchema ??= buildSchema(publishedSchema.idl, { assumeValidSDL: true });
  return githubSchema;
}

export interface GraphqlCost {
  /** Requests GitHub's formula says the query needs, before dividing by 100. */
  requests: number;
  /** Points charged: requests / 100, rounded, at least 1. */
  points: number;
  nodes: number;
}

/**
 * GitHub's documented cost: each connection costs one request per parent node (assuming every
 * `first`/`last` is reached); the sum divided by 100, rounded, is the point cost, at least 1.
 */
export function graphqlCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
): GraphqlCost {
  const fragments = new Map(
    document.definitions.flatMap((definition) =>
      definition.kind === Kind.FRAGMENT_DEFINITION
        ? [[definition.name.value, definition] as const]
        : [],
    ),
  );
  let requests = 0;
  let nodes = 0;
  const walk = (selections: SelectionSetNode, type: GraphQLNamedType, multiplier: number) => {
    for (const selection of selections.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const on = selection.typeCondition
          ? schema.getType(selection.typeCondition.name.value)
          : type;
        walk(selection.selectionSet, on ?? type, multiplier);
        continue;
      }
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(selection.name.value);
        if (fragment)
          walk(
            fragment.selectionSet,
            schema.getType(fragment.typeCondition.name.value) ?? type,
            multiplier,
          );
        continue;
      }
      if (!selection.selectionSet || !(isObjectType(type) || isInterfaceType(type))) continue;
      const field = type.getFields()[selection.name.value];
      if (!field) continue;
      const named = getNamedType(field.type);
      let childMultiplier = multiplier;
      if (named.name.endsWith('Connection')) {
        const args = Object.fromEntries(
          (selection.arguments ?? []).map((arg) => [
            arg.name.value,
            valueFromASTUntyped(arg.value, variables),
          ]),
        );
        const size = Number(args['first'] ?? args['last'] ?? 0);
        requests += multiplier;
        nodes += multiplier * size;
        childMultiplier = multiplier * size;
      }
      walk(selection.selectionSet, named, childMultiplier);
    }
  };
  const root =
    operation.operation === 'mutation' ? schema.getMutationType() : schema.getQueryType();
  if (root) walk(operation.selectionSet, root, 1);
  return { requests, points: Math.max(1, Math.round(requests / 100)), nodes };
}

export interface GraphqlContext {
  state: TwinState;
  json: Serializer;
  actor: User;
  cost: GraphqlCost;
  rateLimit: { limit: number; remaining: number; used: number; resetAt: string };
}

// ---- views: plain objects whose properties and methods are the GraphQL fields ----------------

interface ConnectionArgs {
  first?: number | null;
  last?: number | null;
  /** A variable may pass null for "from the start". */
  after?: string | null;
  before?: string | null;
}

const cursorOf = (index: number) => Buffer.from(`cursor:v2:${index}`).toString('base64');
const indexOf = (cursor: string | null | undefined) =>
  cursor === undefined || cursor === null
    ? undefined
    : Number(/^cursor:v2:(\d+)$/.exec(Buffer.from(cursor, 'base64').toString())?.[1] ?? NaN);

function connection<T>(all: T[], given: ConnectionArgs): Record<string, unknown> {
  // A variable that passes null for `first`, `last`, `after` or `before` leaves it out.
  const args = {
    first: given.first ?? undefined,
    last: given.last ?? undefined,
    after: given.after ?? undefined,
    before: given.before ?? undefined,
  };
  if (args.first === undefined && args.last === undefined) {
    throw new GraphQLError(
      'You must provide a `first` or `last` value to properly paginate the connection.',
    );
  }
  for (const key of ['first', 'last'] as const) {
    const value = args[key];
    if (value !== undefined && (value < 0 || value > 100)) {
      throw new GraphQLError(
        `Requesting ${value} records on the connection exceeds the \`${key}\` limit of 100 records.`,
      );
    }
  }
  let start = 0;
  let end = all.length;
  const after = indexOf(args.after);
  const before = indexOf(args.before);
  if (after !== undefined && Number.isFinite(after)) start = after + 1;
  if (before !== undefined && Number.isFinite(before)) end = Math.min(end, before);
  if (args.first !== undefined) end = Math.min(end, start + args.first);
  if (args.last !== undefined) start = Math.max(start, end - args.last);
  const window = all.slice(start, end).map((node, i) => ({ node, cursor: cursorOf(start + i) }));
  return {
    totalCount: all.length,
    nodes: window.map((edge) => edge.node),
    edges: window,
    pageInfo: {
      hasNextPage: end < all.length,
      hasPreviousPage: start > 0,
      startCursor: window[0]?.cursor ?? null,
      endCursor: window.at(-1)?.cursor ?? null,
    },
  };
}

function actorView(
  state: TwinState,
  json: Serializer,
  login: string | null,
): Record<string, unknown> | null {
  if (login === null) return null;
  const user = state.user(login);
  const isBot = user?.type === 'Bot';
  // GraphQL drops the [bot] suffix of app logins; REST keeps it.
  const shown = isBot ? GITHUB_LOGIN_TO_NAME(login) : login;
  return {
    __typename: isBot ? 'Bot' : 'User',
    login: shown,
    id: user?.nodeId ?? 'U_ghost',
    databaseId: user?.id ?? null,
    url: `${json.web}/${isBot ? 'apps/' : ''}${shown}`,
    avatarUrl: `${json.web}/avatars/${user?.id ?? 0}`,
    resourcePath: `/${isBot ? 'apps/' : ''}${shown}`,
  };
}

function labelView(label: Label): Record<string, unknown> {
  return {
    __typename: 'Label',
    id: label.nodeId,
    name: label.name,
    color: label.color,
    description: label.description,
  };
}

const ITEM_TYPE_OF_EVENT: Record<TimelineEvent['event'], string> = {
  labeled: 'LABELED_EVENT',
  unlabeled: 'UNLABELED_EVENT',
  closed: 'CLOSED_EVENT',
  reopened: 'REOPENED_EVENT',
  merged: 'MERGED_EVENT',
  renamed: 'RENAMED_TITLE_EVENT',
  comment_deleted: 'COMMENT_DELETED_EVENT',
  locked: 'LOCKED_EVENT',
  unlocked: 'UNLOCKED_EVENT',
};

const TYPENAME_OF_EVENT: Record<TimelineEvent['event'], string> = {
  labeled: 'LabeledEvent',
  unlabeled: 'UnlabeledEvent',
  closed: 'ClosedEvent',
  reopened: 'ReopenedEvent',
  merged: 'MergedEvent',
  renamed: 'RenamedTitleEvent',
  comment_deleted: 'CommentDeletedEvent',
  locked: 'LockedEvent',
  unlocked: 'UnlockedEvent',
};

/** GraphQL's LockReason as REST's lock reasons. */
const LOCK_REASON_OF_ENUM = {
  OFF_TOPIC: 'off-topic',
  TOO_HEATED: 'too heated',
  RESOLVED: 'resolved',
  SPAM: 'spam',
} as const;

/** REST's lock reasons (`too heated`) as GraphQL's LockReason (`TOO_HEATED`). */
export const lockReasonEnum = (reason: string | null | undefined): string | null =>
  reason ? reason.toUpperCase().replace(/[ -]/g, '_') : null;

function eventView(
  state: TwinState,
  json: Serializer,
  event: TimelineEvent,
): Record<string, unknown> {
  const label = event.label === undefined ? undefined : state.labels.get(event.label);
  const view: Record<string, unknown> = {
    __typename: TYPENAME_OF_EVENT[event.event],
    id: event.nodeId,
    createdAt: event.createdAt,
    actor: actorView(state, json, event.actor),
    ...(label ? { label: labelView(label) } : {}),
  };
  if (event.event === 'comment_deleted') {
    view['databaseId'] = event.id;
    view['deletedCommentAuthor'] = () => actorView(state, json, event.deletedCommentAuthor ?? null);
  }
  if (event.event === 'closed' || event.event === 'reopened')
    view['stateReason'] = event.stateReason?.toUpperCase() ?? null;
  if (event.event === 'locked') view['lockReason'] = lockReasonEnum(event.lockReason);
  return view;
}

/** `userContentEdits`: the newest revision first, as GitHub lists them. */
function editsConnection(
  state: TwinState,
  json: Serializer,
  edits: ContentEdit[],
  args: ConnectionArgs,
): Record<string, unknown> {
  return connection(
    [...edits].reverse().map((edit) => ({
      __typename: 'UserContentEdit',
      id: edit.nodeId,
      editedAt: edit.editedAt,
      createdAt: edit.editedAt,
      updatedAt: edit.editedAt,
      editor: () => actorView(state, json, edit.editor),
      // What GitHub's clients read from `diff`: the whole body as this revision left it.
      diff: edit.body,
      deletedAt: null,
      deletedBy: null,
    })),
    args,
  );
}

function commentView(
  state: TwinState,
  json: Serializer,
  comment: Comment,
): Record<string, unknown> {
  const last = comment.edits.at(-1);
  const own = (context: GraphqlContext) => context.actor.login === comment.author;
  const canWrite = (context: GraphqlContext) => atLeast(context.actor.permission, 'write');
  return {
    __typename: 'IssueComment',
    id: comment.nodeId,
    databaseId: comment.id,
    fullDatabaseId: String(comment.id),
    body: comment.body,
    createdAt: comment.createdAt,
    updatedAt: comment.updatedAt,
    publishedAt: comment.createdAt,
    lastEditedAt: last?.editedAt ?? null,
    editor: () => actorView(state, json, last?.editor ?? null),
    includesCreatedEdit: comment.edits.length > 0,
    userContentEdits: (args: ConnectionArgs) => editsConnection(state, json, comment.edits, args),
    isMinimized: comment.minimized !== null,
    // GitHub answers the classifier in lower case with dashes: OFF_TOPIC is `off-topic`.
    minimizedReason: comment.minimized?.toLowerCase().replace(/_/g, '-') ?? null,
    author: () => actorView(state, json, comment.author),
    url: `${json.repoWeb}/issues/${comment.issue}#issuecomment-${comment.id}`,
    resourcePath: `/${state.owner}/${state.name}/issues/${comment.issue}#issuecomment-${comment.id}`,
    repository: () => repositoryView(state, json),
    viewerDidAuthor: (_args: unknown, context: GraphqlContext) => own(context),
    viewerCanUpdate: (_args: unknown, context: GraphqlContext) => own(context) || canWrite(context),
    viewerCanDelete: (_args: unknown, context: GraphqlContext) => own(context) || canWrite(context),
    viewerCanMinimize: (_args: unknown, context: GraphqlContext) => canWrite(context),
  };
}

interface IssueFilters {
  assignee?: string | null;
  createdBy?: string | null;
  labels?: string[];
  mentioned?: string | null;
  milestone?: string | null;
  milestoneNumber?: string | null;
  since?: string;
  states?: string[];
  viewerSubscribed?: boolean;
}

type TimelineArgs = ConnectionArgs & { itemTypes?: string[]; since?: string; skip?: number };

/** Events and comments in time order, as `timelineItems` lists them. */
function timelineConnection(
  state: TwinState,
  json: Serializer,
  item: Item,
  args: TimelineArgs,
): Record<string, unknown> {
  const wanted = (type: string) => !args.itemTypes || args.itemTypes.includes(type);
  const entries = [
    ...item.events
      .filter((event) => wanted(ITEM_TYPE_OF_EVENT[event.event]))
      .map((event) => ({
        at: event.createdAt,
        id: event.id,
        view: () => eventView(state, json, event),
      })),
    ...(wanted('ISSUE_COMMENT') ? state.comments.filter((c) => c.issue === item.number) : []).map(
      (comment) => ({
        at: comment.createdAt,
        id: comment.id,
        view: () => commentView(state, json, comment),
      }),
    ),
  ]
    .filter((entry) => !args.since || entry.at >= args.since)
    .sort((a, b) => a.at.localeCompare(b.at) || a.id - b.id)
    .slice(args.skip ?? 0);
  return connection(
    entries.map((entry) => entry.view()),
    args,
  );
}

function itemCommon(state: TwinState, json: Serializer, item: Item): Record<string, unknown> {
  return {
    id: item.nodeId,
    databaseId: item.id,
    number: item.number,
    title: item.title,
    body: item.body,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
    closedAt: item.closedAt,
    lastEditedAt: item.lastEditedAt,
    closed: item.state === 'closed',
    editor: () => actorView(state, json, item.editor),
    author: () => actorView(state, json, item.author),
    locked: item.locked,
    activeLockReason: lockReasonEnum(item.lockReason),
    includesCreatedEdit: item.edits.length > 0,
    userContentEdits: (args: ConnectionArgs) => editsConnection(state, json, item.edits, args),
    timelineItems: (args: TimelineArgs) => timelineConnection(state, json, item, args),
    labels: (args: ConnectionArgs) =>
      connection(
        item.labels.flatMap((name) =>
          state.labels.has(name) ? [labelView(state.labels.get(name)!)] : [],
        ),
        args,
      ),
    comments: (args: ConnectionArgs) =>
      connection(
        state.comments
          .filter((c) => c.issue === item.number)
          .map((c) => commentView(state, json, c)),
        args,
      ),
    repository: () => repositoryView(state, json),
    projectItems: (args: ConnectionArgs & { includeArchived?: boolean }, context: GraphqlContext) =>
      connection(
        state.projects
          .itemsOf(item.number, context.actor)
          .map(({ board, item: entry }) => boardItemView(boardKit(state, json), board, entry)),
        args,
      ),
  };
}

/** What the Projects views take from this module. */
function boardKit(state: TwinState, json: Serializer): BoardViewKit {
  return {
    boards: state.projects,
    web: json.web,
    actor: (login) => actorView(state, json, login),
    content: (number) => itemView(state, json, state.item(number)),
    connection: (all, args) => connection(all, args as ConnectionArgs),
  };
}

function issueView(state: TwinState, json: Serializer, issue: Issue): Record<string, unknown> {
  return {
    __typename: 'Issue',
    ...itemCommon(state, json, issue),
    state: issue.state.toUpperCase(),
    stateReason: issue.stateReason?.toUpperCase() ?? null,
    url: `${json.repoWeb}/issues/${issue.number}`,
    subIssues: (args: ConnectionArgs) =>
      connection(
        issue.subIssues.map((n) => issueView(state, json, state.issue(n))),
        args,
      ),
    subIssuesSummary: () => {
      const summary = json.subIssuesSummary(issue);
      return {
        total: summary['total'],
        completed: summary['completed'],
        percentCompleted: summary['percent_completed'],
      };
    },
    parent: () =>
      issue.parent === null ? null : issueView(state, json, state.issue(issue.parent)),
  };
}

function pullView(state: TwinState, json: Serializer, pull: Pull): Record<string, unknown> {
  return {
    __typename: 'PullRequest',
    ...itemCommon(state, json, pull),
    state: pull.merged ? 'MERGED' : pull.state.toUpperCase(),
    url: `${json.repoWeb}/pull/${pull.number}`,
    isDraft: pull.draft,
    headRefName: pull.head,
    baseRefName: pull.base,
    isCrossRepository: pull.fork !== null,
    maintainerCanModify: false,
    headRepositoryOwner: () => actorView(state, json, pull.fork?.owner ?? state.owner),
    headRepository: () =>
      pull.fork ? forkRepositoryView(state, json, pull.fork) : repositoryView(state, json),
    baseRepository: () => repositoryView(state, json),
    headRefOid: () => state.pullHeadSha(pull),
    baseRefOid: () => state.pullBaseSha(pull),
    merged: pull.merged,
    mergedAt: pull.mergedAt,
    mergedBy: () => actorView(state, json, pull.mergedBy),
    mergeCommit: pull.mergeCommitSha ? { __typename: 'Commit', oid: pull.mergeCommitSha } : null,
    // One query's mergeability fields agree: the request is the reader.
    mergeable: async (_args: unknown, context: GraphqlContext) => {
      const { mergeable } = await state.observedMergeability(pull, context);
      return mergeable === null ? 'UNKNOWN' : mergeable ? 'MERGEABLE' : 'CONFLICTING';
    },
    mergeStateStatus: async (_args: unknown, context: GraphqlContext) =>
      (await state.observedMergeability(pull, context)).status,
    isInMergeQueue: () => state.mergeQueue.some((entry) => entry.pull === pull.number),
    commits: async (args: ConnectionArgs) => {
      const shas = await state.git.commitsBetween(
        await state.pullBaseSha(pull),
        await state.pullHeadSha(pull),
      );
      const nodes = await Promise.all(
        shas.map(async (oid) => ({
          __typename: 'PullRequestCommit',
          commit: await commitView(state, json, oid),
        })),
      );
      return connection(nodes, args);
    },
    files: async (args: ConnectionArgs) => {
      const files = await state.git.changedFiles(
        await state.pullBaseSha(pull),
        await state.pullHeadSha(pull),
      );
      return connection(
        files.map((file) => ({
          path: file.path,
          additions: file.additions,
          deletions: file.deletions,
          changeType: (
            {
              added: 'ADDED',
              removed: 'DELETED',
              modified: 'MODIFIED',
              renamed: 'RENAMED',
            } as const
          )[file.status],
        })),
        args,
      );
    },
    statusCheckRollup: async () => rollupView(state, pull, await state.pullHeadSha(pull)),
    latestOpinionatedReviews: (args: ConnectionArgs & { writersOnly?: boolean | null }) => {
      const latest = new Map<string, (typeof state.reviews)[number]>();
      for (const review of state.reviews.filter(
        (r) => r.pull === pull.number && r.state !== 'COMMENTED',
      ))
        latest.set(review.user, review);
      const reviews = [...latest.values()].filter(
        (review) => !args.writersOnly || atLeast(state.permissionOf(review.user), 'write'),
      );
      return connection(
        reviews.map((review) => ({
          __typename: 'PullRequestReview',
          state: review.state,
          submittedAt: review.submittedAt,
          author: actorView(state, json, review.user),
          commit: { __typename: 'Commit', oid: review.commitId },
        })),
        args,
      );
    },
    // GitHub links the issues a body's keywords name when the pull request targets the default branch.
    closingIssuesReferences: (args: ConnectionArgs) =>
      connection(
        pull.base === state.defaultBranch
          ? state
              .closingIssues(pull.body)
              .map((number) => issueView(state, json, state.issue(number)))
          : [],
        args,
      ),
    baseRef: async () => {
      const oid = await state.branchHead(pull.base);
      return oid
        ? { ...refView(json, pull.base, oid), target: await commitView(state, json, oid) }
        : null;
    },
    mergeQueueEntry: () => {
      const entry = state.mergeQueue.find((candidate) => candidate.pull === pull.number);
      return entry ? queueEntryView(state, json, entry) : null;
    },
    autoMergeRequest: () =>
      pull.autoMerge
        ? {
            enabledAt: pull.autoMerge.enabledAt,
            enabledBy: actorView(state, json, pull.autoMerge.enabledBy),
            mergeMethod: pull.autoMerge.method,
          }
        : null,
  };
}

function queueEntryView(
  state: TwinState,
  json: Serializer,
  entry: QueueEntry,
): Record<string, unknown> {
  const commit = (oid: string | undefined) =>
    oid
      ? { __typename: 'Commit', oid, id: `C_${oid}`, url: `${json.repoWeb}/commit/${oid}` }
      : null;
  return {
    __typename: 'MergeQueueEntry',
    id: entry.nodeId,
    enqueuedAt: entry.enqueuedAt,
    enqueuer: () => actorView(state, json, entry.enqueuer),
    headCommit: commit(entry.group?.sha ?? entry.headSha),
    baseCommit: commit(entry.group?.baseSha),
    jump: false,
    solo: false,
    estimatedTimeToMerge: null,
    // Position 1 is the entry being tested; an ejected entry keeps its last position.
    position: Math.max(state.mergeQueue.indexOf(entry), 0) + 1,
    state: entry.state,
    pullRequest: () => pullView(state, json, state.pull(entry.pull)),
  };
}

/** A commit with its message and its commit statuses (`status.context(name:)`). */
async function commitView(
  state: TwinState,
  json: Serializer,
  oid: string,
): Promise<Record<string, unknown>> {
  const commit = await state.git.commit(oid);
  const statuses = state.latestStatuses(oid);
  return {
    __typename: 'Commit',
    oid,
    id: `C_${oid}`,
    url: `${json.repoWeb}/commit/${oid}`,
    message: commit?.message ?? '',
    parents: (args: ConnectionArgs) =>
      connection(
        (commit?.parents ?? []).map((parent) => ({ __typename: 'Commit', oid: parent })),
        args,
      ),
    status:
      statuses.length === 0
        ? null
        : {
            state: combinedState(statuses.map((status) => status.state)),
            context: ({ name }: { name: string }) => {
              const found = statuses.find((status) => status.context === name);
              return found
                ? {
                    context: found.context,
                    state: found.state.toUpperCase(),
                    description: found.description,
                    targetUrl: found.targetUrl,
                    creator: () => actorView(state, json, found.creator),
                  }
                : null;
            },
          },
  };
}

function combinedState(states: string[]): string {
  if (states.some((state) => state === 'error' || state === 'failure')) return 'FAILURE';
  if (states.some((state) => state === 'pending')) return 'PENDING';
  return 'SUCCESS';
}

/** The head commit's check runs and statuses, each saying whether protection requires it. */
function rollupView(state: TwinState, pull: Pull, sha: string): Record<string, unknown> | null {
  const runs = state.latestCheckRuns(sha);
  const statuses = state.latestStatuses(sha);
  if (runs.length === 0 && statuses.length === 0) return null;
  // A requirement pinned to an app (`appId`) is met, and so marked, only by that app's reports.
  const required = (name: string, appId: number | undefined) =>
    state.isRequiredCheck(pull, name, appId);
  const nodes = [
    ...runs.map((run) => ({
      __typename: 'CheckRun',
      name: run.name,
      status: run.status.toUpperCase(),
      conclusion: run.conclusion?.toUpperCase() ?? null,
      isRequired: () => required(run.name, run.app.id),
      checkSuite: { app: { databaseId: run.app.id, slug: run.app.slug } },
    })),
    ...statuses.map((status) => ({
      __typename: 'StatusContext',
      context: status.context,
      state: status.state.toUpperCase(),
      description: status.description,
      isRequired: () => required(status.context, state.user(status.creator)?.appId),
    })),
  ];
  return {
    state: combinedState([
      ...runs.map((run) =>
        run.status !== 'completed'
          ? 'pending'
          : ['success', 'neutral', 'skipped'].includes(run.conclusion ?? '')
            ? 'success'
            : 'failure',
      ),
      ...statuses.map((status) => status.state),
    ]),
    contexts: (args: ConnectionArgs) => connection(nodes, args),
  };
}

function refView(json: Serializer, name: string, oid: string): Record<string, unknown> {
  return {
    __typename: 'Ref',
    id: `REF_${Buffer.from(`refs/heads/${name}`).toString('base64url')}`,
    name,
    prefix: 'refs/heads/',
    target: { __typename: 'Commit', oid, id: `C_${oid}`, url: `${json.repoWeb}/commit/${oid}` },
  };
}

/** The fork a pull request's head lives in: who owns it and what it is called, nothing more. */
function forkRepositoryView(
  state: TwinState,
  json: Serializer,
  fork: NonNullable<Pull['fork']>,
): Record<string, unknown> {
  return {
    __typename: 'Repository',
    id: `R_${Buffer.from(`twin-fork:${fork.owner}/${fork.name}`).toString('base64url')}`,
    databaseId: forkId(fork),
    name: fork.name,
    nameWithOwner: `${fork.owner}/${fork.name}`,
    url: `${json.web}/${fork.owner}/${fork.name}`,
    isFork: true,
    isPrivate: true,
    owner: () => actorView(state, json, fork.owner),
    parent: () => repositoryView(state, json),
  };
}

function repositoryView(state: TwinState, json: Serializer): Record<string, unknown> {
  return {
    __typename: 'Repository',
    id: 'R_kgDOTwinRepo',
    databaseId: state.repositoryId,
    name: state.name,
    nameWithOwner: `${state.owner}/${state.name}`,
    url: json.repoWeb,
    isPrivate: true,
    isFork: false,
    owner: () => actorView(state, json, state.owner),
    autoMergeAllowed: state.settings.allowAutoMerge,
    mergeCommitAllowed: state.settings.allowMergeCommit,
    squashMergeAllowed: state.settings.allowSquashMerge,
    rebaseMergeAllowed: false,
    deleteBranchOnMerge: state.settings.deleteBranchOnMerge,
    // Only the default branch can require a merge queue in the twin.
    mergeQueue: ({ branch }: { branch?: string | null }) =>
      (branch ?? state.defaultBranch) === state.defaultBranch &&
      state.settings.protection?.mergeQueue
        ? { __typename: 'MergeQueue', id: 'MQ_twin' }
        : null,
    // A branch's target is its head commit, with everything a Commit answers.
    defaultBranchRef: async () => {
      const oid = await state.branchHead(state.defaultBranch);
      return oid
        ? { ...refView(json, state.defaultBranch, oid), target: () => commitView(state, json, oid) }
        : null;
    },
    ref: async ({ qualifiedName }: { qualifiedName: string }) => {
      const name = qualifiedName.replace(/^refs\/heads\//, '');
      const oid = await state.branchHead(name);
      return oid
        ? { ...refView(json, name, oid), target: () => commitView(state, json, oid) }
        : null;
    },
    issue: ({ number }: { number: number }) => {
      const item = state.items.get(number);
      return item?.kind === 'issue' ? issueView(state, json, item) : null;
    },
    pullRequest: ({ number }: { number: number }) => {
      const item = state.items.get(number);
      return item?.kind === 'pull' ? pullView(state, json, item) : null;
    },
    issueOrPullRequest: ({ number }: { number: number }) => {
      const item = state.items.get(number);
      if (!item) return null;
      return item.kind === 'issue' ? issueView(state, json, item) : pullView(state, json, item);
    },
    issues: (
      args: ConnectionArgs & {
        states?: string[];
        labels?: string[];
        orderBy?: { field: string; direction: string };
        filterBy?: IssueFilters;
      },
    ) => {
      const filter = args.filterBy ?? {};
      for (const key of ['assignee', 'mentioned', 'milestone', 'milestoneNumber'] as const) {
        if (filter[key] !== undefined)
          throw new GraphQLError(`The twin does not implement IssueFilters.${key}`);
      }
      if (filter.viewerSubscribed)
        throw new GraphQLError('The twin does not implement IssueFilters.viewerSubscribed');
      const field = args.orderBy?.field ?? 'CREATED_AT';
      const comments = (item: Issue) => state.comments.filter((c) => c.issue === item.number);
      const key = (item: Issue) =>
        field === 'UPDATED_AT'
          ? item.updatedAt
          : field === 'COMMENTS'
            ? String(comments(item).length).padStart(9, '0')
            : item.createdAt;
      // GitHub's labels argument (and filterBy.labels) matches issues carrying any of the labels.
      const anyLabel = (issue: Issue, labels: string[] | undefined) =>
        !labels ||
        labels.some((label) =>
          issue.labels.some((have) => have.toLowerCase() === label.toLowerCase()),
        );
      const issues = [...state.items.values()]
        .filter((item): item is Issue => item.kind === 'issue')
        .filter((issue) => !args.states || args.states.includes(issue.state.toUpperCase()))
        .filter((issue) => !filter.states || filter.states.includes(issue.state.toUpperCase()))
        .filter((issue) => anyLabel(issue, args.labels) && anyLabel(issue, filter.labels))
        .filter((issue) => !filter.since || issue.updatedAt >= filter.since)
        // createdBy takes the login as REST writes it: `my-app[bot]` is the app, `my-app` a user.
        .filter(
          (issue) =>
            filter.createdBy === undefined ||
            filter.createdBy === null ||
            sameLogin(issue.author, filter.createdBy),
        )
        .sort((a, b) => key(a).localeCompare(key(b)) || a.number - b.number);
      if ((args.orderBy?.direction ?? 'ASC') === 'DESC') issues.reverse();
      return connection(
        issues.map((issue) => issueView(state, json, issue)),
        args,
      );
    },
    pullRequests: (
      args: ConnectionArgs & {
        states?: string[];
        labels?: string[];
        headRefName?: string;
        baseRefName?: string;
      },
    ) => {
      const pulls = [...state.items.values()]
        .filter((item): item is Pull => item.kind === 'pull')
        .filter(
          (pull) =>
            !args.states || args.states.includes(pull.merged ? 'MERGED' : pull.state.toUpperCase()),
        )
        .filter((pull) => !args.labels || args.labels.some((label) => pull.labels.includes(label)))
        .filter((pull) => !args.headRefName || pull.head === args.headRefName)
        .filter((pull) => !args.baseRefName || pull.base === args.baseRefName);
      return connection(
        pulls.map((pull) => pullView(state, json, pull)),
        args,
      );
    },
    collaborators: (
      args: ConnectionArgs & { login?: string; query?: string },
      context: GraphqlContext,
    ) => {
      if (!atLeast(context.actor.permission, 'write')) {
        throw new ApiError(403, 'Must have push access to view repository collaborators.', {
          type: 'FORBIDDEN',
        });
      }
      const users = [...state.users.values()]
        .filter((user) => user.type === 'User' && user.permission !== 'none')
        .filter((user) => !args.login || user.login.toLowerCase() === args.login.toLowerCase())
        .filter(
          (user) => !args.query || user.login.toLowerCase().includes(args.query.toLowerCase()),
        );
      const page = connection(users, args) as { edges: { node: User; cursor: string }[] };
      const edges = page.edges.map((edge) => ({
        cursor: edge.cursor,
        permission: edge.node.permission.toUpperCase(),
        node: actorView(state, json, edge.node.login),
      }));
      return { ...page, edges, nodes: edges.map((edge) => edge.node) };
    },
    labels: (args: ConnectionArgs & { query?: string }) =>
      connection(
        [...state.labels.values()]
          .filter(
            (label) => !args.query || label.name.toLowerCase().includes(args.query.toLowerCase()),
          )
          .map(labelView),
        args,
      ),
    label: ({ name }: { name: string }) => {
      const label = [...state.labels.values()].find(
        (candidate) => candidate.name.toLowerCase() === name.toLowerCase(),
      );
      return label ? labelView(label) : null;
    },
  };
}

// ---- node ids -------------------------------------------------------------------------------

function itemByNodeId(state: TwinState, id: string): Item {
  const databaseId = decodeNodeId(id);
  const item = [...state.items.values()].find(
    (candidate) => candidate.id === databaseId && candidate.nodeId === id,
  );
  if (!item)
    throw new ApiError(404, `Could not resolve to a node with the global id of '${id}'`, {
      type: 'NOT_FOUND',
    });
  return item;
}

function pullByNodeId(state: TwinState, id: string): Pull {
  const item = itemByNodeId(state, id);
  if (item.kind !== 'pull')
    throw new ApiError(404, `Could not resolve to a PullRequest with the global id of '${id}'`, {
      type: 'NOT_FOUND',
    });
  return item;
}

function commentByNodeId(state: TwinState, id: string): Comment {
  const databaseId = decodeNodeId(id);
  const comment = state.comments.find(
    (candidate) => candidate.id === databaseId && candidate.nodeId === id,
  );
  if (!comment)
    throw new ApiError(404, `Could not resolve to a node with the global id of '${id}'`, {
      type: 'NOT_FOUND',
    });
  return comment;
}

function labelsByNodeIds(state: TwinState, ids: string[]): Label[] {
  return ids.map((id) => {
    const label = [...state.labels.values()].find((candidate) => candidate.nodeId === id);
    if (!label)
      throw new ApiError(404, `Could not resolve to a node with the global id of '${id}'`, {
        type: 'NOT_FOUND',
      });
    return label;
  });
}

function itemView(state: TwinState, json: Serializer, item: Item): Record<string, unknown> {
  return item.kind === 'issue' ? issueView(state, json, item) : pullView(state, json, item);
}

type Input = Record<string, unknown>;

const unknownLogin = (what: string, login: string) =>
  new ApiError(404, `Could not resolve to ${what} with the login of '${login}'.`, {
    type: 'NOT_FOUND',
  });

function rootValue(context: GraphqlContext): Record<string, unknown> {
  const { state, json, actor } = context;
  const boards = boardKit(state, json);
  const mergeMethod = (value: unknown) =>
    value === 'SQUASH' ? 'squash' : value === 'REBASE' ? 'rebase' : 'merge';
  return {
    // `viewer` is typed User: an app's bot comes back as a User whose login keeps `[bot]`
    // (`github-actions[bot]`, `my-app[bot]`), unlike the Bot objects of authors and actors.
    viewer: () => ({
      ...actorView(state, json, actor.login),
      __typename: 'User',
      login: actor.login,
    }),
    rateLimit: () => ({
      ...context.rateLimit,
      cost: context.cost.points,
      nodeCount: context.cost.nodes,
    }),
    repository: ({ owner, name }: { owner: string; name: string }) =>
      owner.toLowerCase() === state.owner.toLowerCase() &&
      name.toLowerCase() === state.name.toLowerCase()
        ? repositoryView(state, json)
        : null,
    node: ({ id }: { id: string }) => {
      const item = [...state.items.values()].find((candidate) => candidate.nodeId === id);
      if (item) return itemView(state, json, item);
      const comment = state.comments.find((candidate) => candidate.nodeId === id);
      return comment ? commentView(state, json, comment) : boardNode(boards, id, actor);
    },
    // The twin knows the organizations that own boards, and its users.
    organization: ({ login }: { login: string }) => {
      const found = state.projects.organization(login);
      if (!found) throw unknownLogin('an Organization', login);
      return ownerView(boards, 'organization', found);
    },
    user: ({ login }: { login: string }) => {
      const found = [...state.users.values()].find(
        (user) => user.type === 'User' && user.login.toLowerCase() === login.toLowerCase(),
      );
      if (!found || state.projects.organization(login)) throw unknownLogin('a User', login);
      return ownerView(boards, 'user', found.login);
    },
    addProjectV2ItemById: ({ input }: { input: Input }) =>
      addItemById(boards, input, actor, (id) => {
        const item = [...state.items.values()].find((candidate) => candidate.nodeId === id);
        // Content the actor cannot see is, to it, no node at all.
        return item && atLeast(actor.permission, 'read') ? item.number : undefined;
      }),
    updateProjectV2ItemFieldValue: ({ input }: { input: Input }) =>
      updateItemFieldValue(boards, input, actor),
    addComment: ({ input }: { input: Input }) => {
      const item = itemByNodeId(state, String(input['subjectId']));
      const comment = state.createComment(actor, item.number, String(input['body'] ?? ''));
      const view = commentView(state, json, comment);
      return {
        clientMutationId: input['clientMutationId'] ?? null,
        commentEdge: { node: view, cursor: cursorOf(0) },
        subject: itemView(state, json, item),
      };
    },
    updateIssueComment: ({ input }: { input: Input }) => {
      const comment = commentByNodeId(state, String(input['id']));
      state.updateComment(actor, comment.id, String(input['body']));
      return {
        clientMutationId: input['clientMutationId'] ?? null,
        issueComment: commentView(state, json, comment),
      };
    },
    deleteIssueComment: ({ input }: { input: Input }) => {
      const comment = commentByNodeId(state, String(input['id']));
      state.deleteComment(actor, comment.id);
      return { clientMutationId: input['clientMutationId'] ?? null };
    },
    minimizeComment: ({ input }: { input: Input }) => {
      const comment = commentByNodeId(state, String(input['subjectId']));
      state.minimizeComment(actor, comment.id, input['classifier'] as MinimizeClassifier);
      return {
        clientMutationId: input['clientMutationId'] ?? null,
        minimizedComment: commentView(state, json, comment),
      };
    },
    unminimizeComment: ({ input }: { input: Input }) => {
      const comment = commentByNodeId(state, String(input['subjectId']));
      state.minimizeComment(actor, comment.id, null);
      return {
        clientMutationId: input['clientMutationId'] ?? null,
        unminimizedComment: commentView(state, json, comment),
      };
    },
    lockLockable: ({ input }: { input: Input }) => {
      const item = itemByNodeId(state, String(input['lockableId']));
      const reason = input['lockReason'] as keyof typeof LOCK_REASON_OF_ENUM | undefined;
      state.lock(actor, item.number, reason ? LOCK_REASON_OF_ENUM[reason] : null);
      return {
        clientMutationId: input['clientMutationId'] ?? null,
        actor: actorView(state, json, actor.login),
        lockedRecord: itemView(state, json, item),
      };
    },
    unlockLockable: ({ input }: { input: Input }) => {
      const item = itemByNodeId(state, String(input['lockableId']));
      state.unlock(actor, item.number);
      return {
        clientMutationId: input['clientMutationId'] ?? null,
        actor: actorView(state, json, actor.login),
        unlockedRecord: itemView(state, json, item),
      };
    },
    addLabelsToLabelable: ({ input }: { input: Input }) => {
      const item = itemByNodeId(state, String(input['labelableId']));
      const labels = labelsByNodeIds(state, (input['labelIds'] as string[]) ?? []);
      state.addLabels(
        actor,
        item.number,
        labels.map((label) => label.name),
      );
      return {
        clientMutationId: input['clientMutationId'] ?? null,
        labelable: itemView(state, json, item),
      };
    },
    removeLabelsFromLabelable: ({ input }: { input: Input }) => {
      const item = itemByNodeId(state, String(input['labelableId']));
      for (const label of labelsByNodeIds(state, (input['labelIds'] as string[]) ?? [])) {
        if (item.labels.includes(label.name)) state.removeLabel(actor, item.number, label.name);
      }
      return {
        clientMutationId: input['clientMutationId'] ?? null,
        labelable: itemView(state, json, item),
      };
    },
    createIssue: ({ input }: { input: Input }) => {
      if (input['repositoryId'] !== 'R_kgDOTwinRepo') {
        throw new ApiError(
          404,
          `Could not resolve to a node with the global id of '${String(input['repositoryId'])}'`,
          { type: 'NOT_FOUND' },
        );
      }
      const labels = labelsByNodeIds(state, (input['labelIds'] as string[]) ?? []);
      const issue = state.createIssue(
        actor,
        String(input['title']),
        String(input['body'] ?? ''),
        labels.map((l) => l.name),
      );
      return {
        clientMutationId: input['clientMutationId'] ?? null,
        issue: issueView(state, json, issue),
      };
    },
    updateIssue: ({ input }: { input: Input }) => {
      const item = itemByNodeId(state, String(input['id']));
      state.updateItem(actor, item.number, {
        title: input['title'] as string | undefined,
        body: input['body'] as string | undefined,
        state:
          input['state'] === undefined
            ? undefined
            : (String(input['state']).toLowerCase() as 'open' | 'closed'),
      });
      return {
        clientMutationId: input['clientMutationId'] ?? null,
        issue: itemView(state, json, item),
      };
    },
    addSubIssue: ({ input }: { input: Input }) => {
      const parent = itemByNodeId(state, String(input['issueId']));
      const child = itemByNodeId(state, String(input['subIssueId']));
      state.addSubIssue(actor, parent.number, child.id, Boolean(input['replaceParent']));
      return {
        clientMutationId: input['clientMutationId'] ?? null,
        issue: itemView(state, json, parent),
        subIssue: itemView(state, json, child),
      };
    },
    createCommitOnBranch: async ({ input }: { input: Input }) => {
      const branch = input['branch'] as {
        repositoryNameWithOwner?: string;
        branchName?: string;
        id?: string;
      };
      if (
        branch.repositoryNameWithOwner &&
        branch.repositoryNameWithOwner.toLowerCase() !==
          `${state.owner}/${state.name}`.toLowerCase()
      ) {
        throw new ApiError(
          404,
          `Could not resolve to a Repository with the name '${branch.repositoryNameWithOwner}'.`,
          { type: 'NOT_FOUND' },
        );
      }
      const name = branch.branchName ?? '';
      const changes =
        (input['fileChanges'] as {
          additions?: { path: string; contents: string }[];
          deletions?: { path: string }[];
        }) ?? {};
      const message = input['message'] as { headline: string; body?: string };
      const oid = await state.commitOnBranch(
        actor,
        name,
        String(input['expectedHeadOid']),
        `${message.headline}${message.body ? `\n\n${message.body}` : ''}\n`,
        {
          additions: (changes.additions ?? []).map((file) => ({
            path: file.path,
            contents: Buffer.from(file.contents, 'base64'),
          })),
          deletions: (changes.deletions ?? []).map((file) => file.path),
        },
      );
      return {
        clientMutationId: input['clientMutationId'] ?? null,
        commit: { __typename: 'Commit', oid, id: `C_${oid}`, url: `${json.repoWeb}/commit/${oid}` },
        ref: refView(json, name, oid),
      };
    },
    disablePullRequestAutoMerge: ({ input }: { input: Input }) => {
      const pull = pullByNodeId(state, String(input['pullRequestId']));
      state.disableAutoMerge(actor, pull.number);
      return {
        clientMutationId: input['clientMutationId'] ?? null,
        actor: actorView(state, json, actor.login),
        pullRequest: pullView(state, json, pull),
      };
    },
    enablePullRequestAutoMerge: async ({ input }: { input: Input }) => {
      const pull = pullByNodeId(state, String(input['pullRequestId']));
      const method = (input['mergeMethod'] as 'MERGE' | 'SQUASH' | 'REBASE' | undefined) ?? 'MERGE';
      await state.enableAutoMerge(
        actor,
        pull.number,
        method,
        input['expectedHeadOid'] as string | undefined,
      );
      return {
        clientMutationId: input['clientMutationId'] ?? null,
        actor: actorView(state, json, actor.login),
        pullRequest: pullView(state, json, pull),
      };
    },
    mergePullRequest: async ({ input }: { input: Input }) => {
      const pull = pullByNodeId(state, String(input['pullRequestId']));
      await state.mergePull(actor, pull.number, {
        sha: input['expectedHeadOid'] as string | undefined,
        method: mergeMethod(input['mergeMethod']) as 'merge' | 'squash',
        title: input['commitHeadline'] as string | undefined,
        message: input['commitBody'] as string | undefined,
      });
      return {
        clientMutationId: input['clientMutationId'] ?? null,
        actor: actorView(state, json, actor.login),
        pullRequest: pullView(state, json, pull),
      };
    },
    enqueuePullRequest: async ({ input }: { input: Input }) => {
      const pull = pullByNodeId(state, String(input['pullRequestId']));
      const entry = await state.enqueue(
        actor,
        pull.number,
        input['expectedHeadOid'] as string | undefined,
      );
      return {
        clientMutationId: input['clientMutationId'] ?? null,
        mergeQueueEntry: queueEntryView(state, json, entry),
      };
    },
    // DequeuePullRequestInput.id: "The ID of the pull request to be dequeued." The refusals'
    // wording is the twin's [unverified].
    dequeuePullRequest: ({ input }: { input: Input }) => {
      const pull = pullByNodeId(state, String(input['id']));
      state.require(actor, 'write');
      const entry = state.mergeQueue.find((candidate) => candidate.pull === pull.number);
      if (!entry)
        throw new ApiError(422, 'Pull request is not in the merge queue', {
          type: 'UNPROCESSABLE',
        });
      if (!state.dequeue(pull.number))
        throw new ApiError(422, 'Pull request is being merged', {
          type: 'UNPROCESSABLE',
        });
      return {
        clientMutationId: input['clientMutationId'] ?? null,
        mergeQueueEntry: queueEntryView(state, json, entry),
      };
    },
    // The fields a pull request's REST PATCH also takes; the others are not modelled.
    updatePullRequest: ({ input }: { input: Input }) => {
      const pull = pullByNodeId(state, String(input['pullRequestId']));
      for (const key of [
        'baseRefName',
        'maintainerCanModify',
        'assigneeIds',
        'milestoneId',
        'labelIds',
        'projectIds',
      ]) {
        if (input[key] !== undefined && input[key] !== null)
          throw new GraphQLError(`The twin does not implement UpdatePullRequestInput.${key}`);
      }
      const wanted = input['state'] as 'OPEN' | 'CLOSED' | null | undefined;
      state.updateItem(actor, pull.number, {
        title: (input['title'] as string | null | undefined) ?? undefined,
        body: (input['body'] as string | null | undefined) ?? undefined,
        state: wanted ? (wanted.toLowerCase() as 'open' | 'closed') : undefined,
      });
      return {
        clientMutationId: input['clientMutationId'] ?? null,
        actor: actorView(state, json, actor.login),
        pullRequest: pullView(state, json, pull),
      };
    },
    markPullRequestReadyForReview: ({ input }: { input: Input }) => {
      const pull = pullByNodeId(state, String(input['pullRequestId']));
      state.setDraft(actor, pull.number, false);
      return {
        clientMutationId: input['clientMutationId'] ?? null,
        pullRequest: pullView(state, json, pull),
      };
    },
    convertPullRequestToDraft: ({ input }: { input: Input }) => {
      const pull = pullByNodeId(state, String(input['pullRequestId']));
      state.setDraft(actor, pull.number, true);
      return {
        clientMutationId: input['clientMutationId'] ?? null,
        pullRequest: pullView(state, json, pull),
      };
    },
    updatePullRequestBranch: async ({ input }: { input: Input }) => {
      const pull = pullByNodeId(state, String(input['pullRequestId']));
      await state.updatePullBranch(
        actor,
        pull.number,
        input['expectedHeadOid'] as string | undefined,
      );
      return {
        clientMutationId: input['clientMutationId'] ?? null,
        pullRequest: pullView(state, json, pull),
      };
    },
  };
}

/** Any field a view does not define is one the twin has not implemented: say so by name. */
const strictFieldResolver: GraphQLFieldResolver<unknown, GraphqlContext> = (
  source,
  args,
  context,
  info,
) => {
  const container = source as Record<string, unknown> | null;
  if (container === null || typeof container !== 'object' || !(info.fieldName in container)) {
    throw new GraphQLError(`The twin does not implement ${info.parentType.name}.${info.fieldName}`);
  }
  const value = container[info.fieldName];
  return typeof value === 'function'
    ? (value as (...a: unknown[]) => unknown)(args, context, info)
    : value;
};

const typeResolver = (value: unknown): string | undefined =>
  (value as { __typename?: string }).__typename;

const ERROR_TYPES: Record<number, string> = {
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
};

export interface GraphqlAnswer {
  body: Record<string, unknown>;
  cost: GraphqlCost;
  isMutation: boolean;
}

export interface PreparedQuery {
  document: DocumentNode;
  operation: OperationDefinitionNode;
  variables: Record<string, unknown>;
  cost: GraphqlCost;
}

/** Parses, validates and prices a request; an invalid one comes back as GitHub's error body. */
export function prepareQuery(body: unknown): PreparedQuery | { errors: Record<string, unknown>[] } {
  const schema = githubGraphqlSchema();
  const request = (body ?? {}) as { query?: unknown; variables?: unknown; operationName?: unknown };
  if (typeof request.query !== 'string')
    return { errors: [{ message: 'A query attribute must be specified and must be a string.' }] };
  let document: DocumentNode;
  try {
    document = parse(request.query);
  } catch (error) {
    const e = error as GraphQLError;
    return { errors: [{ message: e.message, locations: e.locations, type: 'PARSE_ERROR' }] };
  }
  const problems = validate(schema, document);
  if (problems.length > 0) {
    return {
      errors: problems.map((problem) => ({
        message: problem.message,
        locations: problem.locations,
        path: problem.path,
      })),
    };
  }
  const operations = document.definitions.filter(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  const operation =
    typeof request.operationName === 'string'
      ? operations.find((op) => op.name?.value === request.operationName)
      : operations.length === 1
        ? operations[0]
        : undefined;
  if (!operation) return { errors: [{ message: 'Could not determine which operation to run.' }] };
  const variables = (
    request.variables && typeof request.variables === 'object' ? request.variables : {}
  ) as Record<string, unknown>;
  const cost = graphqlCost(schema, document, operation, variables);
  // GitHub refuses, before running it, a query that could return more than 500,000 nodes.
  if (cost.nodes > MAX_NODES) {
    return {
      errors: [
        {
          message: `By the time this query traverses to the nodes, it requests up to ${cost.nodes} possible nodes which exceeds the maximum limit of ${MAX_NODES}.`,
          type: 'MAX_NODE_LIMIT_EXCEEDED',
        },
      ],
    };
  }
  return { document, operation, variables, cost };
}

const MAX_NODES = 500_000;

export async function executeQuery(
  prepared: PreparedQuery,
  context: GraphqlContext,
): Promise<GraphqlAnswer> {
  const result = await execute({
    schema: githubGraphqlSchema(),
    document: prepared.document,
    operationName: prepared.operation.name?.value,
    variableValues: prepared.variables,
    rootValue: rootValue(context),
    contextValue: context,
    fieldResolver: strictFieldResolver,
    typeResolver,
  });
  const body: Record<string, unknown> = { data: result.data ?? null };
  if (result.errors && result.errors.length > 0) {
    body['errors'] = result.errors.map((error) => {
      const original = error.originalError;
      const json = { ...error.toJSON() } as Record<string, unknown>;
      delete json['extensions'];
      if (original instanceof ApiError) {
        json['type'] =
          (original.extra['type'] as string | undefined) ??
          ERROR_TYPES[original.status] ??
          'UNPROCESSABLE';
      }
      return json;
    });
  }
  return { body, cost: prepared.cost, isMutation: prepared.operation.operation === 'mutation' };
}
