import { describeEndpoint, type Endpoints } from './endpoints.js';
import { operationName, permissionNeeded } from './permissions.js';
import { ROUTES, type RouteName } from './routes.js';

/**
 * GitHub's answers that the toolkit treats as outcomes rather than failures, word for word, so
 * "already exists" is a branch of logic and not a crash. The twin answers with the same texts.
 */
export const ERROR_REFERENCE_EXISTS = 'Reference already exists';
export const ERROR_NOT_FAST_FORWARD = 'Update is not a fast forward';
export const ERROR_REFERENCE_MISSING = 'Reference does not exist';
export const ERROR_HEAD_MODIFIED = 'Head branch was modified. Review and try the merge again.';
export const ERROR_NOT_MERGEABLE = 'Pull Request is not mergeable';
export const ERROR_NO_NEW_BASE_COMMITS = 'There are no new commits on the base branch.';
export const ERROR_CONTENT_CREATION_LIMIT =
  'You have exceeded a secondary rate limit and have been temporarily blocked from content creation. Please retry your request again later.';

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

/** A request that failed, named the way docs/permissions.md and the code name it. */
export type FailedRequest =
  | { kind: 'rest'; method: string; url: string; route: RouteName | undefined }
  | { kind: 'graphql'; url: string | undefined; operation: string | undefined; document: string };

/** The request an Octokit error (REST, GraphQL over HTTP, or GraphQL errors) came from. */
function failedRequest(error: unknown): FailedRequest | undefined {
  const request = (error as { request?: Record<string, unknown> } | null)?.request;
  if (typeof request !== 'object' || request === null) return undefined;
  const body = request['body'] as { query?: unknown } | undefined;
  const query = typeof request['query'] === 'string' ? request['query'] : body?.query;
  const url = typeof request['url'] === 'string' ? request['url'] : undefined;
  if (typeof query === 'string') {
    return { kind: 'graphql', url, operation: operationName(query), document: query };
  }
  const method = typeof request['method'] === 'string' ? request['method'] : undefined;
  if (method === undefined || url === undefined) return undefined;
  return { kind: 'rest', method, url, route: routeOf(method, url) };
}

/** A request as the docs name it: its REST route (not the URL it went to), or GraphQL operation. */
function describeRequest(request: FailedRequest): string {
  if (request.kind === 'graphql') {
    const type = /\bmutation\b/.test(request.document.split('{')[0] ?? '') ? 'mutation' : 'query';
    return `the GraphQL ${type} ${request.operation ?? '(unnamed)'}`;
  }
  if (request.route) return ROUTES[request.route];
  return `${request.method} ${new URL(request.url, UNKNOWN_BASE).pathname}`;
}

const UNKNOWN_BASE = 'http://github.invalid';

function routeOf(method: string, url: string): RouteName | undefined {
  const pathname = new URL(url, UNKNOWN_BASE).pathname;
  // Whatever the base (api.github.com, GHES's /api/v3, the twin), every route starts at /repos/.
  const path = pathname.slice(Math.max(0, pathname.indexOf('/repos/')));
  return (Object.keys(ROUTES) as RouteName[]).find((name) => {
    const [routeMethod, template] = ROUTES[name].split(' ') as [string, string];
    const pattern = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+');
    return routeMethod === method.toUpperCase() && new RegExp(`^${pattern}$`).test(path);
  });
}

/** GitHub refused a request because of the token: what it refused, and GitHub's words. */
export interface Refusal {
  request: FailedRequest;
  /**
   * `credentials`: GitHub did not accept the token at all (401). `permission`: the token lacks a
   * permission (GitHub's words to an App, GITHUB_TOKEN or a fine-grained token). `access`: the
   * identity's role in the repository is not enough, in other words.
   */
  kind: 'credentials' | 'permission' | 'access';
  /** `403`, `401`, or `FORBIDDEN` for a GraphQL error. */
  answer: string;
  message: string;
  /** Where in a GraphQL answer the refusal is (`repository.conflicts`). */
  path: string | undefined;
}

const NOT_ACCESSIBLE = /^Resource not accessible by (integration|personal access token)/;

export function refusalOf(error: unknown): Refusal | undefined {
  const request = failedRequest(error);
  if (request === undefined) return undefined;
  const forbidden = graphqlErrors(error).find((e) => e.type === 'FORBIDDEN');
  if (forbidden) {
    return {
      request,
      kind: NOT_ACCESSIBLE.test(forbidden.message) ? 'permission' : 'access',
      answer: 'FORBIDDEN',
      message: forbidden.message,
      path: forbidden.path?.join('.'),
    };
  }
  const status = apiError(error)?.status;
  if (status !== 401 && status !== 403) return undefined;
  const message = answerMessage(error);
  // A 403 is also how GitHub answers a rate limit; that is no refusal.
  if (status === 403 && /rate limit/i.test(message)) return undefined;
  const kind =
    status === 401 ? 'credentials' : NOT_ACCESSIBLE.test(message) ? 'permission' : 'access';
  return { request, kind, answer: String(status), message, path: undefined };
}

/** The connection to GitHub failed, or no answer came: where to, and why. */
export interface Unreachable {
  request: FailedRequest;
  url: string;
  reason: string;
}

export function unreachableOf(error: unknown): Unreachable | undefined {
  const request = failedRequest(error);
  const found = apiError(error);
  const answered = (error as { response?: unknown }).response !== undefined;
  if (request?.url === undefined || found === undefined || answered) return undefined;
  // Octokit reports a failed connection as a 500 without an answer; our request timeout as a 504.
  if (found.status !== 500 && found.status !== 504) return undefined;
  return { request, url: request.url, reason: connectionFailure(error) ?? found.message };
}

/** Why a connection failed, in words, from the cause Node's fetch gives. */
function connectionFailure(error: unknown): string | undefined {
  for (let cause = (error as { cause?: unknown }).cause; cause;) {
    const { code, message } = cause as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && CONNECTION_CODES[code]) return CONNECTION_CODES[code];
    if (typeof code === 'string' && /CERT|SSL|TLS/.test(code)) {
      return `its TLS certificate is not trusted: ${code}`;
    }
    if (message === 'bad port') return 'the port is one that fetch refuses to connect to';
    cause = (cause as { cause?: unknown }).cause;
  }
  return undefined;
}

const CONNECTION_CODES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'the host name could not be resolved',
  ETIMEDOUT: 'the connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'the connection timed out',
  ECONNRESET: 'the connection was reset',
  EHOSTUNREACH: 'no route to the host',
  ENETUNREACH: 'the network is unreachable',
};

/** Failures a retry cannot mend: the same request would fail the same way at once. */
export function isPermanentConnectionFailure(error: unknown): boolean {
  const reason = connectionFailure(error);
  return reason !== undefined && (reason.includes('fetch refuses') || reason.includes('TLS'));
}

function graphqlErrors(error: unknown): { type?: string; message: string; path?: unknown[] }[] {
  const errors = (error as { errors?: unknown } | null)?.errors;
  return Array.isArray(errors) ? errors : [];
}

/** GitHub's own message, without the documentation link Octokit appends. */
function answerMessage(error: unknown): string {
  const data = (error as { response?: { data?: { message?: unknown } } }).response?.data;
  if (typeof data?.message === 'string') return data.message;
  return (apiError(error)?.message ?? '').replace(/ - https:\/\/\S+$/, '');
}

export interface FailureContext {
  endpoints: Endpoints;
  env: Readonly<Record<string, string | undefined>>;
  /** Asks GitHub who the token is; called only after a refusal, when the token still works. */
  identify(): Promise<string | undefined>;
}

/**
 * A failure to talk to GitHub that the user can fix, as one line saying what to change; undefined
 * for any other error.
 */
export async function describeGitHubFailure(
  error: unknown,
  context: FailureContext,
): Promise<string | undefined> {
  const refusal = refusalOf(error);
  if (refusal) {
    const identity = refusal.kind === 'credentials' ? undefined : await context.identify();
    return describeRefusal(refusal, identity, context);
  }
  const unreachable = unreachableOf(error);
  if (unreachable) {
    const reason = unreachable.reason.replace(/^[A-Z](?=[a-z])/, (c) => c.toLowerCase());
    const where = describeEndpoint(unreachable.url, context.endpoints, context.env);
    return `Cannot reach GitHub at ${where} for ${describeRequest(unreachable.request)}: ${reason}.`;
  }
  return undefined;
}

const GITHUB_TOKEN_LOGIN = 'github-actions[bot]';
const SEE = 'see docs/permissions.md';

function describeRefusal(
  refusal: Refusal,
  identity: string | undefined,
  context: FailureContext,
): string {
  const what = describeRequest(refusal.request) + (refusal.path ? ` (at ${refusal.path})` : '');
  const answer = `${refusal.answer} ${refusal.message.replace(/\.$/, '')}`;
  if (refusal.kind === 'credentials') {
    const where = refusal.request.url
      ? ` at ${describeEndpoint(refusal.request.url, context.endpoints, context.env)}`
      : '';
    return (
      `GitHub did not accept the token (${answer}) for ${what}${where}: the github-token input ` +
      'is not a valid token there (mistyped, expired or revoked, or from another GitHub).'
    );
  }
  const who =
    identity === GITHUB_TOKEN_LOGIN
      ? `GITHUB_TOKEN (${GITHUB_TOKEN_LOGIN})`
      : identity
        ? `the token of ${identity}`
        : 'the token';
  const refused = `GitHub refused ${what} to ${who}: ${answer}.`;
  if (refusal.kind === 'access') {
    const whose = identity ?? "The token's identity";
    return `${refused} ${whose} needs more access to the repository (${SEE}).`;
  }
  const request = refusal.request;
  const needed = permissionNeeded(
    (request.kind === 'rest' ? request.route : request.operation) ?? '',
  );
  if (needed === undefined) return `${refused} See docs/permissions.md.`;
  if (needed.startsWith('metadata')) {
    return (
      `${refused} It needs read access to this repository, which GITHUB_TOKEN always has; ` +
      `another token must be granted this repository (${SEE}).`
    );
  }
  if (identity === GITHUB_TOKEN_LOGIN) {
    return `${refused} It needs \`${needed}\`: add it under \`permissions:\` in the workflow (${SEE}).`;
  }
  if (identity) {
    return (
      `${refused} It needs \`${needed}\`: grant it to that token (a workflow's \`permissions:\` ` +
      `applies only to GITHUB_TOKEN; ${SEE}).`
    );
  }
  return (
    `${refused} It needs \`${needed}\`: for GITHUB_TOKEN add it under \`permissions:\` in the ` +
    `workflow; any other token must be granted it (${SEE}).`
  );
}
export const ERROR_DRAFT = 'Pull Request is still a draft';
export const ERROR_MERGE_QUEUE_REQUIRED = 'Changes must be made through the merge queue';
