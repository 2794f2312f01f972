import type { RouteName } from './routes.js';

/**
 * The repository permissions a token can hold, spelled as a workflow's `permissions:` block spells
 * them. `metadata` is never written there: every GITHUB_TOKEN can read it.
 */
export type Scope =
  'actions' | 'checks' | 'contents' | 'issues' | 'metadata' | 'pull-requests' | 'statuses';
export type Permission = `${Scope}: ${'read' | 'write'}`;

/** Every GraphQL operation the toolkit sends, by the name its document gives it. */
export type GraphqlOperation =
  | 'Viewer'
  | 'DispatchOverview'
  | 'ConflictPulls'
  | 'TrackingCandidates'
  | 'LedgerLog'
  | 'Label'
  | 'IssueDetails'
  | 'CollaboratorPermissions'
  | 'Settle'
  | 'GatePull'
  | 'GateAutoMerge'
  | 'GateEnqueue'
  | 'GateUpdateBranch'
  | 'GateDisableAutoMerge'
  | 'GateDequeue'
  | 'WorkerContext'
  | 'WorkerComments'
  | 'WorkerSettle'
  | 'ProjectStatus'
  | 'ProjectAddItems'
  | 'ProjectSetStatus';

/**
 * The permission each request needs, by REST route (its name in ROUTES) or GraphQL operation: the
 * one table a refusal is explained from and docs/permissions.md is checked against. REST entries
 * follow GitHub's "Permissions required for GitHub Apps"; where GitHub accepts either of two
 * (labels and comments work with `issues` or `pull-requests`), the one our use needs is given.
 * GraphQL entries follow the objects each operation reads or changes.
 */
export const PERMISSION_NEEDED: Readonly<Record<RouteName | GraphqlOperation, Permission>> = {
  getRepository: 'metadata: read',
  getTree: 'contents: read',
  listMatchingRefs: 'contents: read',
  getGitCommit: 'contents: read',
  getCollaboratorPermission: 'metadata: read',
  createIssue: 'issues: write',
  updateIssue: 'issues: write',
  listIssues: 'issues: read',
  createIssueComment: 'issues: write',
  addLabels: 'issues: write',
  createLabel: 'issues: write',
  listPullRequests: 'pull-requests: read',
  getPullRequest: 'pull-requests: read',
  listPullFiles: 'pull-requests: read',
  mergePullRequest: 'contents: write',
  createCommitStatus: 'statuses: write',
  deleteRef: 'contents: write',
  updateIssueComment: 'issues: write',
  removeLabel: 'issues: write',
  listArtifacts: 'actions: read',
  downloadArtifact: 'actions: read',
  listWorkflowRuns: 'actions: read',
  createPullRequest: 'pull-requests: write',
  updatePullRequest: 'pull-requests: write',
  addSubIssue: 'issues: write',
  addBlockedBy: 'issues: write',
  dispatchWorkflow: 'actions: write',

  Viewer: 'metadata: read',
  // Its conflict pull requests; the collaborators in it need push access, and are optional.
  DispatchOverview: 'pull-requests: read',
  ConflictPulls: 'pull-requests: read',
  TrackingCandidates: 'issues: read',
  LedgerLog: 'issues: read',
  Label: 'issues: read',
  IssueDetails: 'issues: read',
  CollaboratorPermissions: 'metadata: read',
  // Labels added and removed, comments written: on issues, and on pull requests as issues.
  Settle: 'issues: write',
  // The pull request with its checks, files, reviews and the issue it closes.
  GatePull: 'pull-requests: read',
  GateAutoMerge: 'pull-requests: write',
  GateEnqueue: 'pull-requests: write',
  GateUpdateBranch: 'pull-requests: write',
  GateDisableAutoMerge: 'pull-requests: write',
  GateDequeue: 'pull-requests: write',
  // The issue and its comments; ALSO_NEEDED lists what else the one read asks for.
  WorkerContext: 'issues: read',
  WorkerComments: 'issues: read',
  // The pull request's body and readiness; labels and comments take `pull-requests` as well.
  WorkerSettle: 'pull-requests: write',
  // A Projects board is no repository permission: its token needs Projects access besides
  // (docs/projects.md). The issues' ids come from the repository.
  ProjectStatus: 'issues: read',
  ProjectAddItems: 'metadata: read',
  ProjectSetStatus: 'metadata: read',
};

/**
 * Operations that read several kinds of object in one request, and so need more than their entry
 * in PERMISSION_NEEDED: the other permissions, which docs/permissions.md names below its table.
 */
export const ALSO_NEEDED: Readonly<Partial<Record<GraphqlOperation, readonly Permission[]>>> = {
  // The work branch's head commit and the pull requests from it.
  WorkerContext: ['contents: read', 'pull-requests: read'],
  // The ledger's tracking issues, read along when the event names the ledger's writer.
  GatePull: ['issues: read'],
};

/** The name a GraphQL document gives its operation: Viewer for the viewer query. */
export function operationName(document: string): string | undefined {
  return /\b(?:query|mutation)\s+(\w+)/.exec(document)?.[1];
}

/** The permission a request needs: a route name or an operation name; undefined for any other. */
export function permissionNeeded(name: string): Permission | undefined {
  return Object.hasOwn(PERMISSION_NEEDED, name)
    ? PERMISSION_NEEDED[name as RouteName | GraphqlOperation]
    : undefined;
}
