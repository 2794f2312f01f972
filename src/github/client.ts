import { getOctokit } from '@actions/github';
import type { Octokit } from '@octokit/core';
import { RequestError } from '@octokit/request-error';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import Bottleneck from 'bottleneck/light.js';
import type { Logger } from '../logger.js';
import { isPermanentConnectionFailure } from './api-errors.js';
import { USER_AGENT } from '../version.js';
import { DEFAULT_API_URL, defaultGraphqlUrl } from './endpoints.js';

// The endpoints live in endpoints.ts so that an entry point can check them before this module, and
// @actions/github (which reads GITHUB_API_URL and GITHUB_EVENT_PATH as it loads), is imported.
export { defaultGraphqlUrl, endpointsFromEnv } from './endpoints.js';

export interface GitHubClientOptions {
  token: string;
  /** REST base URL; GitHub Enterprise Server uses `https://HOST/api/v3`. */
  apiUrl?: string;
  /** GraphQL endpoint; derived from `apiUrl` when not given. */
  graphqlUrl?: string;
  logger?: Logger;
  /** Longest wait, in seconds, we accept for a rate limit before giving up. */
  maxRateLimitWaitSeconds?: number;
  /** Retries of one request after a rate limit. */
  maxRateLimitRetries?: number;
  /** Retries of one request after a 5xx answer or a timeout. */
  maxRetries?: number;
  /** Milliseconds per second of advised wait; tests shrink it so they never sleep for real. */
  msPerSecond?: number;
  /**
   * GitHub asks for a pause between content-creating requests; 1,000 ms is its advice. Writes
   * that notify people (comments, issues) are spaced three times as far, as the plugin does.
   */
  writeIntervalMs?: number;
  /** An answer that has not come after this long is abandoned and retried. */
  requestTimeoutMs?: number;
}

export type RestClient = ReturnType<typeof getOctokit>;

export interface GitHubClient {
  rest: RestClient;
  /** Runs one GraphQL document against the configured endpoint, through the same retries. */
  graphql<T>(document: string, variables?: Record<string, unknown>): Promise<T>;
  /** Requests sent so far, every attempt counted as GitHub counts it; absent on test doubles. */
  stats?: RequestStats;
}

export interface RequestStats {
  requests: number;
  /** Content-creating ones: any method but GET and HEAD, GraphQL mutations included. */
  writes: number;
}

/** Counts each attempt as it goes out: retries and rate-limit waits included. */
function counted(stats: RequestStats) {
  return (octokit: Octokit) => {
    octokit.hook.before('request', (options) => {
      stats.requests++;
      const method = String(options.method ?? 'GET').toUpperCase();
      const query = (options as { query?: unknown }).query;
      const isQuery =
        method === 'POST' &&
        /\/graphql$/.test(String(options.url)) &&
        typeof query === 'string' &&
        !/^\s*mutation\b/.test(query.replace(/^\s*(#[^\n]*\n\s*)*/, ''));
      if (method !== 'GET' && method !== 'HEAD' && !isQuery) stats.writes++;
    });
  };
}

/**
 * Every request our code sends passes this timeout, innermost, so each attempt gets its own clock
 * and a timeout becomes a retryable error like a 5xx answer. Octokit's hooks share one options
 * object across the chain (the retry plugin relies on that too), so the signal is set on it in
 * place; this owns `request.signal`.
 */
function requestTimeout(timeoutMs: number) {
  return (octokit: Octokit) => {
    octokit.hook.wrap('request', async (request, options) => {
      const signal = AbortSignal.timeout(timeoutMs);
      options.request = { ...options.request, signal };
      try {
        return await request(options);
      } catch (error) {
        if (!signal.aborted) {
          // Tried again, it would fail the same way at once (a blocked port, an untrusted
          // certificate): the retry plugin reads this option from the same options object.
          if (isPermanentConnectionFailure(error))
            options.request = { ...options.request, retries: 0 };
          throw error;
        }
        // As Octokit's own errors do, it carries the request as sent, with its full URL.
        throw new RequestError(`No answer within ${timeoutMs} ms`, 504, {
          request: octokit.request.endpoint.parse(options),
        });
      }
    });
  };
}

export function createGitHubClient(options: GitHubClientOptions): GitHubClient {
  const apiUrl = (options.apiUrl ?? DEFAULT_API_URL).replace(/\/+$/, '');
  const graphqlUrl = options.graphqlUrl ?? defaultGraphqlUrl(apiUrl);
  const logger = options.logger;
  const maxWait = options.maxRateLimitWaitSeconds ?? 120;
  const maxRateLimitRetries = options.maxRateLimitRetries ?? 2;
  const msPerSecond = options.msPerSecond ?? 1000;
  const writeIntervalMs = options.writeIntervalMs ?? 1000;
  const stats: RequestStats = { requests: 0, writes: 0 };

  const onLimit =
    (kind: string) =>
    (
      retryAfter: number,
      request: { method: string; url: string },
      _octokit: unknown,
      retryCount: number,
    ) => {
      const wanted = retryCount < maxRateLimitRetries && retryAfter <= maxWait;
      logger?.warning(
        `GitHub ${kind} rate limit on ${request.method} ${request.url}: ` +
          (wanted
            ? `retrying after ${retryAfter} s`
            : `not retrying (advised wait ${retryAfter} s)`),
      );
      return wanted;
    };

  const rest = getOctokit(
    options.token,
    {
      baseUrl: apiUrl,
      userAgent: USER_AGENT,
      log: {
        debug: () => {},
        info: () => {},
        warn: (message: string) => logger?.warning(message),
        error: (message: string) => logger?.error(message),
      },
      throttle: {
        onRateLimit: onLimit('primary'),
        onSecondaryRateLimit: onLimit('secondary'),
        retryAfterBaseValue: msPerSecond,
        write: new Bottleneck.Group({ maxConcurrent: 1, minTime: writeIntervalMs }),
        notifications: new Bottleneck.Group({ maxConcurrent: 1, minTime: 3 * writeIntervalMs }),
      },
      retry: {
        retries: options.maxRetries ?? 3,
        retryAfterBaseValue: msPerSecond,
        // Rate limits (403, 429) are the throttling plugin's to wait out, within our bound.
        doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451],
      },
    },
    requestTimeout(options.requestTimeoutMs ?? 60_000),
    counted(stats),
    throttling,
    retry,
  );

  // An absolute url wins over baseUrl; baseUrl is set too, or Octokit rewrites a /api/v3 base itself.
  const graphql = rest.graphql.defaults({ baseUrl: graphqlUrl, url: graphqlUrl });
  return {
    rest,
    graphql: <T>(document: string, variables: Record<string, unknown> = {}) =>
      graphql<T>(document, variables),
    stats,
  };
}
