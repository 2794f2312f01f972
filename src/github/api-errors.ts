/**
 * GitHub's answers that the toolkit treats as outcomes rather than failures, word for word, so
 * "already exists" is a branch of logic and not a crash. The twin answers with the same texts.
 */
export const ERROR_REFERENCE_EXISTS = 'Reference already exists';
export const ERROR_NOT_FAST_FORWARD = 'Update is not a fast forward';
export const ERROR_REFERENCE_MISSING = 'Reference does not exist';
export const ERROR_NOT_FOUND = 'Not Found';
export const ERROR_HEAD_MODIFIED = 'Head branch was modified. Review and try the merge again.';
export const ERROR_NOT_MERGEABLE = 'Pull Request is not mergeable';
export const ERROR_MERGE_QUEUE_REQUIRED = 'Changes must be made through the merge queue.';
export const ERROR_RULE_VIOLATIONS = 'Repository rule violations found';
export const ERROR_NOT_ACCESSIBLE = 'Resource not accessible by integration';
export const ERROR_PR_EXISTS_PREFIX = 'A pull request already exists for';
export const ERROR_NO_COMMITS_BETWEEN_PREFIX = 'No commits between';
export const ERROR_NO_NEW_BASE_COMMITS = 'There are no new commits on the base branch.';
export const ERROR_AUTO_MERGE_DISALLOWED = 'Auto merge is not allowed for this repository';
export const ERROR_CLEAN_STATUS = 'Pull request Pull request is in clean status';
export const ERROR_UNSTABLE_STATUS = 'Pull request Pull request is in unstable status';
export const ERROR_BLOCKER_NOT_ISSUE = 'Target issue may only be an issue';
export const ERROR_SECONDARY_RATE_LIMIT = 'You have exceeded a secondary rate limit';
export const ERROR_CONTENT_CREATION_LIMIT =
  'You have exceeded a secondary rate limit and have been temporarily blocked from content creation. Please retry your request again later.';
export const ERROR_VALIDATION_FAILED = 'Validation Failed';

/** The status and message of an Octokit request error, or undefined for anything else. */
export function apiError(error: unknown): { status: number; message: string } | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { status, message } = error as { status?: unknown; message?: unknown };
  if (typeof status !== 'number' || typeof message !== 'string') return undefined;
  return { status, message };
}

/** True when a request failed with this status and its message contains the given text. */
export function isApiError(error: unknown, status: number, text: string): boolean {
  const found = apiError(error);
  return found !== undefined && found.status === status && found.message.includes(text);
}
