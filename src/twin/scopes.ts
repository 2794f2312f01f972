import {
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/**
 * Token scopes: what a token whose permissions are declared (a GITHUB_TOKEN with a workflow's
 * `permissions:` block, or an app installation token) may do, by REST route, GraphQL operation
 * and git service. Pure tables and checks; the server applies them before any handler runs.
 *
 * REST follows GitHub's "Permissions required for GitHub Apps"
 * (https://docs.github.com/en/rest/authentication/permissions-required-for-github-apps): where
 * GitHub lists a route under two permissions (comments, labels and locks under both Issues and
 * Pull requests) either one is enough. GitHub publishes no permissions for GraphQL: the rules
 * for it below are the twin's reading [unverified].
 */

export const SCOPES = [
  'actions',
  'administration',
  'checks',
  'contents',
  'issues',
  'metadata',
  'pull-requests',
  'statuses',
] as const;
export type Scope = (typeof SCOPES)[number];
export type Access = 'read' | 'write';
/** A permission spelled as a workflow's `permissions:` block spells it: `issues: write`. */
export type Grant = `${Scope}: ${Access}`;
/** What a token holds, by scope; a scope not listed is `none` (but `metadata`, always `read`). */
export type Granted = Partial<Record<Scope, Access | 'none'>>;

/**
 * What a request needs: every clause must hold, and a clause holds when the token has any one of
 * its grants (`write` includes `read`).
 */
export type Need = readonly (readonly Grant[])[];

/** Every one of these. */
export const all = (...grants: Grant[]): Need => grants.map((grant) => [grant]);
/** Any one of these. */
export const anyOf = (...grants: Grant[]): Need => [grants];

const REPO = '/repos/{owner}/{repo}';

/** The permission of every REST route the twin serves, as `METHOD TEMPLATE`. */
export const REST_PERMISSIONS: Readonly<Record<string, Need>> = {
  [`GET ${REPO}`]: all('metadata: read'),
  // Repository settings: an app's Administration permission, which no GITHUB_TOKEN can hold.
  [`PATCH ${REPO}`]: all('administration: write'),
  [`GET ${REPO}/collaborators/{username}/permission`]: all('metadata: read'),

  [`GET ${REPO}/git/trees/{tree_sha}`]: all('contents: read'),
  [`GET ${REPO}/git/ref/{ref}`]: all('contents: read'),
  [`GET ${REPO}/git/matching-refs/{ref}`]: all('contents: read'),
  [`GET ${REPO}/git/commits/{commit_sha}`]: all('contents: read'),
  [`POST ${REPO}/git/refs`]: all('contents: write'),
  [`PATCH ${REPO}/git/refs/{ref}`]: all('contents: write'),
  [`DELETE ${REPO}/git/refs/{ref}`]: all('contents: write'),
  [`POST ${REPO}/dispatches`]: all('contents: write'),

  [`GET ${REPO}/labels`]: anyOf('issues: read', 'pull-requests: read'),
  [`POST ${REPO}/labels`]: anyOf('issues: write', 'pull-requests: write'),
  [`GET ${REPO}/issues`]: all('issues: read'),
  [`POST ${REPO}/issues`]: all('issues: write'),
  [`GET ${REPO}/issues/{issue_number}`]: all('issues: read'),
  [`PATCH ${REPO}/issues/{issue_number}`]: all('issues: write'),
  [`GET ${REPO}/issues/{issue_number}/comments`]: anyOf('issues: read', 'pull-requests: read'),
  [`POST ${REPO}/issues/{issue_number}/comments`]: anyOf('issues: write', 'pull-requests: write'),
  [`GET ${REPO}/issues/comments/{comment_id}`]: anyOf('issues: read', 'pull-requests: read'),
  [`PATCH ${REPO}/issues/comments/{comment_id}`]: anyOf('issues: write', 'pull-requests: write'),
  [`DELETE ${REPO}/issues/comments/{comment_id}`]: anyOf('issues: write', 'pull-requests: write'),
  [`GET ${REPO}/issues/{issue_number}/timeline`]: anyOf('issues: read', 'pull-requests: read'),
  [`POST ${REPO}/issues/{issue_number}/labels`]: anyOf('issues: write', 'pull-requests: write'),
  [`DELETE ${REPO}/issues/{issue_number}/labels/{name}`]: anyOf(
    'issues: write',
    'pull-requests: write',
  ),
  [`PUT ${REPO}/issues/{issue_number}/lock`]: anyOf('issues: write', 'pull-requests: write'),
  [`DELETE ${REPO}/issues/{issue_number}/lock`]: anyOf('issues: write', 'pull-requests: write'),
  [`GET ${REPO}/issues/{issue_number}/dependencies/blocked_by`]: all('issues: read'),
  [`GET ${REPO}/issues/{issue_number}/dependencies/blocking`]: all('issues: read'),
  [`POST ${REPO}/issues/{issue_number}/dependencies/blocked_by`]: all('issues: write'),
  [`DELETE ${REPO}/issues/{issue_number}/dependencies/blocked_by/{issue_id}`]: all('issues: write'),
  [`GET ${REPO}/issues/{issue_number}/sub_issues`]: all('issues: read'),
  [`POST ${REPO}/issues/{issue_number}/sub_issues`]: all('issues: write'),

  [`GET ${REPO}/pulls`]: all('pull-requests: read'),
  [`POST ${REPO}/pulls`]: all('pull-requests: write'),
  [`GET ${REPO}/pulls/{pull_number}`]: all('pull-requests: read'),
  [`PATCH ${REPO}/pulls/{pull_number}`]: all('pull-requests: write'),
  [`GET ${REPO}/pulls/{pull_number}/files`]: all('pull-requests: read'),
  // A merge writes the base branch: GitHub lists it under Contents.
  [`PUT ${REPO}/pulls/{pull_number}/merge`]: all('contents: write'),
  [`PUT ${REPO}/pulls/{pull_number}/update-branch`]: all('pull-requests: write'),
  [`GET ${REPO}/pulls/{pull_number}/reviews`]: all('pull-requests: read'),
  [`POST ${REPO}/pulls/{pull_number}/reviews`]: all('pull-requests: write'),

  [`GET ${REPO}/commits/{ref}/status`]: all('statuses: read'),
  [`POST ${REPO}/statuses/{sha}`]: all('statuses: write'),
  [`GET ${REPO}/commits/{ref}/check-runs`]: all('checks: read'),
  [`POST ${REPO}/check-runs`]: all('checks: write'),

  [`GET ${REPO}/actions/runs`]: all('actions: read'),
  [`GET ${REPO}/actions/runs/{run_id}`]: all('actions: read'),
  [`GET ${REPO}/actions/runs/{run_id}/artifacts`]: all('actions: read'),
  [`GET ${REPO}/actions/artifacts`]: all('actions: read'),
  [`GET ${REPO}/actions/artifacts/{artifact_id}/{archive_format}`]: all('actions: read'),
  [`POST ${REPO}/actions/workflows/{workflow_id}/dispatches`]: all('actions: write'),
};

/** The need of a REST route; undefined for a route the table does not know. */
export function restNeed(method: string, template: string): Need | undefined {
  const key = `${method} ${template}`;
  return Object.hasOwn(REST_PERMISSIONS, key) ? REST_PERMISSIONS[key] : undefined;
}

const COMMENTS_OR_LABELS = anyOf('issues: write', 'pull-requests: write');

/** The permission of every GraphQL mutation the twin serves, by root field. */
export const MUTATION_PERMISSIONS: Readonly<Record<string, Need>> = {
  // Comments, locks and labels work on issues and pull requests alike, as their REST routes do.
  addComment: COMMENTS_OR_LABELS,
  updateIssueComment: COMMENTS_OR_LABELS,
  deleteIssueComment: COMMENTS_OR_LABELS,
  minimizeComment: COMMENTS_OR_LABELS,
  unminimizeComment: COMMENTS_OR_LABELS,
  lockLockable: COMMENTS_OR_LABELS,
  unlockLockable: COMMENTS_OR_LABELS,
  addLabelsToLabelable: COMMENTS_OR_LABELS,
  removeLabelsFromLabelable: COMMENTS_OR_LABELS,
  createIssue: all('issues: write'),
  updateIssue: all('issues: write'),
  addSubIssue: all('issues: write'),
  removeSubIssue: all('issues: write'),
  createCommitOnBranch: all('contents: write'),
  enablePullRequestAutoMerge: all('pull-requests: write'),
  disablePullRequestAutoMerge: all('pull-requests: write'),
  mergePullRequest: all('pull-requests: write', 'contents: write'),
  updatePullRequestBranch: all('pull-requests: write'),
  enqueuePullRequest: all('pull-requests: write'),
  dequeuePullRequest: all('pull-requests: write'),
  updatePullRequest: all('pull-requests: write'),
  markPullRequestReadyForReview: all('pull-requests: write'),
  convertPullRequestToDraft: all('pull-requests: write'),
  // A board is not the repository's: no repository permission reaches it. The board itself
  // decides (src/twin/projects.ts), and refuses every GITHUB_TOKEN.
  addProjectV2ItemById: all('metadata: read'),
  updateProjectV2ItemFieldValue: all('metadata: read'),
};

/** What a query's fields under `repository` read. Any other field needs `metadata: read` only. */
const REPOSITORY_FIELDS: Readonly<Record<string, Need>> = {
  issue: all('issues: read'),
  issues: all('issues: read'),
  pullRequest: all('pull-requests: read'),
  pullRequests: all('pull-requests: read'),
  issueOrPullRequest: anyOf('issues: read', 'pull-requests: read'),
  label: anyOf('issues: read', 'pull-requests: read'),
  labels: anyOf('issues: read', 'pull-requests: read'),
  ref: all('contents: read'),
  refs: all('contents: read'),
  object: all('contents: read'),
};

/** What a `node`/`nodes` query reads, by the type of its inline fragments. */
const NODE_TYPES: Readonly<Record<string, Need>> = {
  Issue: all('issues: read'),
  PullRequest: all('pull-requests: read'),
  IssueComment: anyOf('issues: read', 'pull-requests: read'),
  Commit: all('contents: read'),
};

export interface GraphqlNeed {
  need: Need;
  /** The root field that decides (for the error's `path`), per clause of `need`. */
  fields: string[];
  /** Mutation root fields the table does not know. */
  unknown: string[];
}

/**
 * What a GraphQL operation needs [unverified; GitHub publishes no table]: every query needs
 * `metadata: read`, plus read on what its `repository` fields or `node` fragments select (issues,
 * pull requests, labels, refs); a mutation needs the permission of each root field.
 */
export function graphqlNeed(
  document: DocumentNode,
  operation: OperationDefinitionNode,
): GraphqlNeed {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION)
      fragments.set(definition.name.value, definition);
  const need: (readonly Grant[])[] = [['metadata: read']];
  const fields: string[] = [''];
  const unknown: string[] = [];
  const add = (clauses: Need, field: string) => {
    for (const clause of clauses) {
      need.push(clause);
      fields.push(field);
    }
  };
  /** The fields of a selection set, through fragments, with the type condition they sit under. */
  const fieldsOf = (
    selections: SelectionSetNode,
    on: string | undefined,
    seen = new Set<string>(),
  ): { name: string; on: string | undefined; selections?: SelectionSetNode }[] =>
    selections.selections.flatMap((selection) => {
      if (selection.kind === Kind.FIELD)
        return [
          {
            name: selection.name.value,
            on,
            ...(selection.selectionSet ? { selections: selection.selectionSet } : {}),
          },
        ];
      if (selection.kind === Kind.INLINE_FRAGMENT)
        return fieldsOf(selection.selectionSet, selection.typeCondition?.name.value ?? on, seen);
      const fragment = fragments.get(selection.name.value);
      if (!fragment || seen.has(fragment.name.value)) return [];
      seen.add(fragment.name.value);
      return fieldsOf(fragment.selectionSet, fragment.typeCondition.name.value, seen);
    });

  for (const root of fieldsOf(operation.selectionSet, undefined)) {
    if (operation.operation === 'mutation') {
      if (root.name === '__typename') continue;
      const clauses = Object.hasOwn(MUTATION_PERMISSIONS, root.name)
        ? MUTATION_PERMISSIONS[root.name]
        : undefined;
      if (clauses) add(clauses, root.name);
      else unknown.push(root.name);
      continue;
    }
    if (root.name === 'repository' && root.selections) {
      for (const child of fieldsOf(root.selections, 'Repository')) {
        const clauses = Object.hasOwn(REPOSITORY_FIELDS, child.name)
          ? REPOSITORY_FIELDS[child.name]
          : undefined;
        if (clauses) add(clauses, root.name);
      }
    }
    if ((root.name === 'node' || root.name === 'nodes') && root.selections) {
      for (const child of fieldsOf(root.selections, undefined)) {
        const clauses =
          child.on !== undefined && Object.hasOwn(NODE_TYPES, child.on)
            ? NODE_TYPES[child.on]
            : undefined;
        if (clauses) add(clauses, root.name);
      }
    }
  }
  return { need, fields, unknown };
}

/** The need of pulling (`git-upload-pack`) or pushing (`git-receive-pack`) over smart HTTP. */
export const gitNeed = (pushing: boolean): Need =>
  all(pushing ? 'contents: write' : 'contents: read');

const LEVEL = { none: 0, read: 1, write: 2 } as const;

/**
 * What a token holds: undefined (anything its identity's role allows) when it declares no
 * permissions; otherwise what it lists, `none` for the rest, and always `metadata: read`.
 */
export function effectiveGrants(declared: Granted | undefined): Granted | undefined {
  if (declared === undefined) return undefined;
  const granted: Granted = {};
  for (const scope of SCOPES) granted[scope] = declared[scope] ?? 'none';
  if (LEVEL[granted.metadata ?? 'none'] < LEVEL.read) granted.metadata = 'read';
  return granted;
}

/** Whether a token holding `granted` (undefined: unrestricted) holds one grant. */
export function holds(granted: Granted | undefined, grant: Grant): boolean {
  if (granted === undefined) return true;
  const [scope, access] = grant.split(': ') as [Scope, Access];
  const held = granted[scope] ?? (scope === 'metadata' ? 'read' : 'none');
  return LEVEL[held] >= LEVEL[access];
}

/** The first clause of `need` the token does not satisfy, or -1 when it satisfies them all. */
export function unmetClause(granted: Granted | undefined, need: Need): number {
  return need.findIndex((clause) => !clause.some((grant) => holds(granted, grant)));
}

export const allows = (granted: Granted | undefined, need: Need): boolean =>
  unmetClause(granted, need) === -1;

export const NOT_ACCESSIBLE = 'Resource not accessible by integration';
