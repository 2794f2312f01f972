import { ERROR_CONTENT_CREATION_LIMIT } from '../github/api-errors.js';
import type { Fixture } from './fixture.js';

/** GitHub's primary (per token, per hour) and secondary (content creation) limits. */

export interface Window {
  limit: number;
  used: number;
  /** epoch seconds */
  reset: number;
}

export type Resource = 'core' | 'graphql';

const HOUR = 3600;

export class RateLimits {
  private readonly primary = new Map<string, Window>();
  private readonly creations = new Map<string, number[]>();

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

  /** The window of one token and resource, opened on first use, reset after an hour. */
  window(token: string, resource: Resource): Window {
    const key = `${resource}:${token}`;
    const seconds = Math.floor(this.now() / 1000);
    let window = this.primary.get(key);
    const limit =
      resource === 'core' ? this.settings.restPerHour : this.settings.graphqlPointsPerHour;
    if (!window || window.reset <= seconds) {
      window = { limit, used: 0, reset: seconds + HOUR };
      this.primary.set(key, window);
    }
    window.limit = limit;
    return window;
  }

  /** Charges `cost` if it fits; false (nothing charged) when the window cannot afford it. */
  charge(token: string, resource: Resource, cost: number): boolean {
    const window = this.window(token, resource);
    if (!this.settings.enabled) {
      window.used += cost;
      return true;
    }
    if (window.used + cost > window.limit) return false;
    window.used += cost;
    return true;
  }

  headers(token: string, resource: Resource): Record<string, string> {
    const window = this.window(token, resource);
    return {
      'x-ratelimit-limit': String(window.limit),
      'x-ratelimit-remaining': String(Math.max(window.limit - window.used, 0)),
      'x-ratelimit-used': String(window.used),
      'x-ratelimit-reset': String(window.reset),
      'x-ratelimit-resource': resource,
    };
  }

  /**
   * Counts one content-creating request; when the token is over 80 a minute or 500 an hour,
   * answers with the seconds to wait instead (the request is then refused and not counted).
   */
  contentCreation(token: string): { retryAfter: number; message: string } | undefined {
    const now = this.now();
    const recent = (this.creations.get(token) ?? []).filter((at) => at > now - HOUR * 1000);
    this.creations.set(token, recent);
    if (this.settings.enabled && this.settings.secondaryEnabled) {
      const lastMinute = recent.filter((at) => at > now - 60_000);
      if (lastMinute.length >= this.settings.contentPerMinute) {
        return {
          retryAfter: Math.max(1, Math.ceil((lastMinute[0]! + 60_000 - now) / 1000)),
          message: ERROR_CONTENT_CREATION_LIMIT,
        };
      }
      if (recent.length >= this.settings.contentPerHour) {
        return {
          retryAfter: Math.max(1, Math.ceil((recent[0]! + HOUR * 1000 - now) / 1000)),
          message: ERROR_CONTENT_CREATION_LIMIT,
        };
      }
    }
    recent.push(now);
    return undefined;
  }
}
