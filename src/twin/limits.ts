import { ERROR_CONTENT_CREATION_LIMIT } from '../github/api-errors.js';
import { BOT_LOGIN, type Fixture } from './fixture.js';

/**
 * GitHub's rate limits, scoped as GitHub scopes them
 * (https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api):
 * - primary, an hourly window per budget: each identity has its own, shared by all its tokens
 *   (a person's tokens count together, and so do an app installation's; `restPerHour`,
 *   `graphqlPointsPerHour`); every GITHUB_TOKEN (`github-actions[bot]`) of the repository
 *   shares one, `githubTokenPerHour` for REST and as many GraphQL points;
 * - secondary, per budget: points a minute (REST GET 1, other methods 5; GraphQL query 1,
 *   mutation 5) and content creation (80 a minute, 500 an hour).
 */

export interface Window {
  limit: number;
  used: number;
  /** epoch seconds */
  reset: number;
}

export type Resource = 'core' | 'graphql';

/** Whose budget a request spends: one identity's, or the repository's GITHUB_TOKEN's. */
export interface Budget {
  key: string;
  githubToken: boolean;
}

export interface SecondaryRefusal {
  status: 403 | 429;
  retryAfter: number;
  message: string;
}

const HOUR = 3600;
const MINUTE_MS = 60_000;

/** GitHub's message for a secondary limit other than content creation. */
export const SECONDARY_LIMIT_MESSAGE =
  'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID';

/**
 * The budget of a request made as `login`. GitHub counts a user's requests together whatever
 * token made them, and an app installation's the same way; all GITHUB_TOKENs of the repository
 * share one budget.
 */
export function budgetOf(login: string): Budget {
  return login === BOT_LOGIN
    ? { key: 'GITHUB_TOKEN', githubToken: true }
    : { key: `login:${login}`, githubToken: false };
}

/** Secondary points of a request, from GitHub's table (most endpoints follow it). */
export function secondaryPoints(resource: Resource, method: string, mutation = false): number {
  if (resource === 'graphql') return mutation ? 5 : 1;
  return method === 'GET' || method === 'HEAD' || method === 'OPTIONS' ? 1 : 5;
}

/**
 * Whether a REST request creates content (for the 80/minute, 500/hour limit): every `POST`, and
 * the `PUT`s that create something, a pull request's merge (its merge commit). Every GraphQL
 * mutation does too.
 */
export function createsContent(method: string, template: string): boolean {
  return method === 'POST' || (method === 'PUT' && template.endsWith('/pulls/{pull_number}/merge'));
}

export class RateLimits {
  private readonly primary = new Map<string, Window>();
  private readonly creations = new Map<string, number[]>();
  private readonly points = new Map<string, { at: number; points: number }[]>();

  constructor(
    private settings: Fixture['limits'],
    private readonly now: () => number = () => Date.now(),
  ) {}

  configure(settings: Fixture['limits']): void {
    this.settings = settings;
  }

  get enabled(): boolean {
    return this.settings.enabled;
  }

  private limitOf(budget: Budget, resource: Resource): number {
    if (budget.githubToken) return this.settings.githubTokenPerHour;
    return resource === 'core' ? this.settings.restPerHour : this.settings.graphqlPointsPerHour;
  }

  /** The window of one budget and resource, opened on first use, reset after an hour. */
  window(budget: Budget, resource: Resource): Window {
    const key = `${resource}:${budget.key}`;
    const seconds = Math.floor(this.now() / 1000);
    let window = this.primary.get(key);
    const limit = this.limitOf(budget, resource);
    if (!window || window.reset <= seconds) {
      window = { limit, used: 0, reset: seconds + HOUR };
      this.primary.set(key, window);
    }
    window.limit = limit;
    return window;
  }

  /** Whether the window can afford `cost` now (nothing is charged). */
  affordable(budget: Budget, resource: Resource, cost: number): boolean {
    const window = this.window(budget, resource);
    return !this.settings.enabled || window.used + cost <= window.limit;
  }

  /** Charges `cost` if it fits; false (nothing charged) when the window cannot afford it. */
  charge(budget: Budget, resource: Resource, cost: number): boolean {
    if (!this.affordable(budget, resource, cost)) return false;
    this.window(budget, resource).used += cost;
    return true;
  }

  /** Gives back what `charge` took (a conditional request answered 304 costs nothing). */
  refund(budget: Budget, resource: Resource, cost: number): void {
    const window = this.window(budget, resource);
    window.used = Math.max(window.used - cost, 0);
  }

  headers(budget: Budget, resource: Resource): Record<string, string> {
    const window = this.window(budget, resource);
    return {
      'x-ratelimit-limit': String(window.limit),
      'x-ratelimit-remaining': String(Math.max(window.limit - window.used, 0)),
      'x-ratelimit-used': String(window.used),
      'x-ratelimit-reset': String(window.reset),
      'x-ratelimit-resource': resource,
    };
  }

  private get secondary(): boolean {
    return this.settings.enabled && this.settings.secondaryEnabled;
  }

  private refusal(retryAfter: number, message: string): SecondaryRefusal {
    return {
      status: this.settings.secondaryStatus,
      retryAfter: Math.max(1, Math.ceil(retryAfter / 1000)),
      message,
    };
  }

  /**
   * Counts a request's secondary points in its budget's minute (`restPointsPerMinute` or
   * `graphqlPointsPerMinute`); past the budget, answers the refusal instead (nothing counted).
   */
  perMinute(budget: Budget, resource: Resource, points: number): SecondaryRefusal | undefined {
    const now = this.now();
    const key = `${resource}:${budget.key}`;
    const recent = (this.points.get(key) ?? []).filter((entry) => entry.at > now - MINUTE_MS);
    this.points.set(key, recent);
    if (this.secondary) {
      const limit =
        resource === 'core'
          ? this.settings.restPointsPerMinute
          : this.settings.graphqlPointsPerMinute;
      let used = recent.reduce((sum, entry) => sum + entry.points, 0);
      if (used + points > limit) {
        // Wait until enough of the minute's points have aged out.
        let wait = MINUTE_MS;
        for (const entry of recent) {
          used -= entry.points;
          wait = entry.at + MINUTE_MS - now;
          if (used + points <= limit) break;
        }
        return this.refusal(wait, SECONDARY_LIMIT_MESSAGE);
      }
    }
    recent.push({ at: now, points });
    return undefined;
  }

  /**
   * Counts one content-creating request; when the budget is over `contentPerMinute` or
   * `contentPerHour`, answers the refusal instead (the request is then refused and not counted).
   */
  contentCreation(budget: Budget): SecondaryRefusal | undefined {
    const now = this.now();
    const recent = (this.creations.get(budget.key) ?? []).filter((at) => at > now - HOUR * 1000);
    this.creations.set(budget.key, recent);
    if (this.secondary) {
      const lastMinute = recent.filter((at) => at > now - MINUTE_MS);
      if (lastMinute.length >= this.settings.contentPerMinute)
        return this.refusal(lastMinute[0]! + MINUTE_MS - now, ERROR_CONTENT_CREATION_LIMIT);
      if (recent.length >= this.settings.contentPerHour)
        return this.refusal(recent[0]! + HOUR * 1000 - now, ERROR_CONTENT_CREATION_LIMIT);
    }
    recent.push(now);
    return undefined;
  }
}
