/**
 * Every REST route the toolkit calls, in Octokit's `METHOD /path` form. Code calls
 * `rest.request(ROUTES.name, parameters)`; a contract test checks each route against GitHub's
 * OpenAPI description and fails when a route literal appears anywhere else in src/.
 */
export const ROUTES = {
  // Nothing reads the repository itself: this is the client's probe in its own tests.
  getRepository: 'GET /repos/{owner}/{repo}',
  getTree: 'GET /repos/{owner}/{repo}/git/trees/{tree_sha}',
  listMatchingRefs: 'GET /repos/{owner}/{repo}/git/matching-refs/{ref}',
  getGitCommit: 'GET /repos/{owner}/{repo}/git/commits/{commit_sha}',
  getCollaboratorPermission: 'GET /repos/{owner}/{repo}/collaborators/{username}/permission',
  createIssue: 'POST /repos/{owner}/{repo}/issues',
  updateIssue: 'PATCH /repos/{owner}/{repo}/issues/{issue_number}',
  listIssues: 'GET /repos/{owner}/{repo}/issues',
  createIssueComment: 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
  addLabels: 'POST /repos/{owner}/{repo}/issues/{issue_number}/labels',
  createLabel: 'POST /repos/{owner}/{repo}/labels',
  listPullRequests: 'GET /repos/{owner}/{repo}/pulls',
  getPullRequest: 'GET /repos/{owner}/{repo}/pulls/{pull_number}',
  listPullFiles: 'GET /repos/{owner}/{repo}/pulls/{pull_number}/files',
  mergePullRequest: 'PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge',
  createCommitStatus: 'POST /repos/{owner}/{repo}/statuses/{sha}',
  deleteRef: 'DELETE /repos/{owner}/{repo}/git/refs/{ref}',
  updateIssueComment: 'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}',
  removeLabel: 'DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}',
  listArtifacts: 'GET /repos/{owner}/{repo}/actions/artifacts',
  downloadArtifact: 'GET /repos/{owner}/{repo}/actions/artifacts/{artifact_id}/{archive_format}',
  listWorkflowRuns: 'GET /repos/{owner}/{repo}/actions/runs',
  createPullRequest: 'POST /repos/{owner}/{repo}/pulls',
  updatePullRequest: 'PATCH /repos/{owner}/{repo}/pulls/{pull_number}',
  addSubIssue: 'POST /repos/{owner}/{repo}/issues/{issue_number}/sub_issues',
  addBlockedBy: 'POST /repos/{owner}/{repo}/issues/{issue_number}/dependencies/blocked_by',
  dispatchWorkflow: 'POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches',
} as const;

export type RouteName = keyof typeof ROUTES;
