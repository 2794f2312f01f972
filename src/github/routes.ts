/**
 * Every REST route the toolkit calls, in Octokit's `METHOD /path` form. Code calls
 * `rest.request(ROUTES.name, parameters)`; a contract test checks each route against GitHub's
 * OpenAPI description and fails when a route literal appears anywhere else in src/.
 */
export const ROUTES = {
  getRepository: 'GET /repos/{owner}/{repo}',
  getTree: 'GET /repos/{owner}/{repo}/git/trees/{tree_sha}',
  getRef: 'GET /repos/{owner}/{repo}/git/ref/{ref}',
  listMatchingRefs: 'GET /repos/{owner}/{repo}/git/matching-refs/{ref}',
  getGitCommit: 'GET /repos/{owner}/{repo}/git/commits/{commit_sha}',
  createRef: 'POST /repos/{owner}/{repo}/git/refs',
  updateRef: 'PATCH /repos/{owner}/{repo}/git/refs/{ref}',
  deleteRef: 'DELETE /repos/{owner}/{repo}/git/refs/{ref}',
  getCollaboratorPermission: 'GET /repos/{owner}/{repo}/collaborators/{username}/permission',
  createIssue: 'POST /repos/{owner}/{repo}/issues',
  getIssue: 'GET /repos/{owner}/{repo}/issues/{issue_number}',
  updateIssue: 'PATCH /repos/{owner}/{repo}/issues/{issue_number}',
  listIssues: 'GET /repos/{owner}/{repo}/issues',
  listIssueComments: 'GET /repos/{owner}/{repo}/issues/{issue_number}/comments',
  createIssueComment: 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
  updateIssueComment: 'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}',
  addLabels: 'POST /repos/{owner}/{repo}/issues/{issue_number}/labels',
  removeLabel: 'DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}',
  createLabel: 'POST /repos/{owner}/{repo}/labels',
  listBlockedBy: 'GET /repos/{owner}/{repo}/issues/{issue_number}/dependencies/blocked_by',
  createPullRequest: 'POST /repos/{owner}/{repo}/pulls',
  getPullRequest: 'GET /repos/{owner}/{repo}/pulls/{pull_number}',
  updatePullRequest: 'PATCH /repos/{owner}/{repo}/pulls/{pull_number}',
  listPullRequests: 'GET /repos/{owner}/{repo}/pulls',
  listPullRequestFiles: 'GET /repos/{owner}/{repo}/pulls/{pull_number}/files',
  mergePullRequest: 'PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge',
  updatePullRequestBranch: 'PUT /repos/{owner}/{repo}/pulls/{pull_number}/update-branch',
  listReviews: 'GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews',
  getCombinedStatus: 'GET /repos/{owner}/{repo}/commits/{ref}/status',
  listCheckRunsForRef: 'GET /repos/{owner}/{repo}/commits/{ref}/check-runs',
  createCommitStatus: 'POST /repos/{owner}/{repo}/statuses/{sha}',
  getWorkflowRun: 'GET /repos/{owner}/{repo}/actions/runs/{run_id}',
  listWorkflowRuns: 'GET /repos/{owner}/{repo}/actions/runs',
} as const;

export type RouteName = keyof typeof ROUTES;
