import { ConfigurationError } from '../errors.js';

export const DEFAULT_API_URL = 'https://api.github.com';

export interface Endpoints {
  /** REST base URL; GitHub Enterprise Server uses `https://HOST/api/v3`. */
  apiUrl: string;
  /** GraphQL endpoint. */
  graphqlUrl: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Connection settings as a runner provides them; the twin sets the same variables. A value that is
 * not an http(s) URL fails here, naming its variable, before any request is tried.
 */
export function endpointsFromEnv(env: Env): Endpoints {
  const apiUrl = checkedUrl('GITHUB_API_URL', env['GITHUB_API_URL'] || DEFAULT_API_URL).replace(
    /\/+$/,
    '',
  );
  const graphql = env['GITHUB_GRAPHQL_URL'];
  return {
    apiUrl,
    graphqlUrl: graphql ? checkedUrl('GITHUB_GRAPHQL_URL', graphql) : defaultGraphqlUrl(apiUrl),
  };
}

/** api.github.com → /graphql; GitHub Enterprise Server's /api/v3 → /api/graphql. */
export function defaultGraphqlUrl(apiUrl: string): string {
  return `${apiUrl.replace(/\/+$/, '').replace(/\/api\/v3$/, '/api')}/graphql`;
}

/**
 * Where a request went, named the way the user set it: `GITHUB_API_URL http://…`, or for a URL
 * nobody set, where it came from.
 */
export function describeEndpoint(url: string, endpoints: Endpoints, env: Env): string {
  if (url.startsWith(endpoints.graphqlUrl)) {
    return env['GITHUB_GRAPHQL_URL']
      ? `GITHUB_GRAPHQL_URL ${endpoints.graphqlUrl}`
      : `${endpoints.graphqlUrl} (the GraphQL URL derived from ${describeApiUrl(endpoints, env)})`;
  }
  return describeApiUrl(endpoints, env);
}

function describeApiUrl(endpoints: Endpoints, env: Env): string {
  return env['GITHUB_API_URL']
    ? `GITHUB_API_URL ${endpoints.apiUrl}`
    : `${endpoints.apiUrl} (GITHUB_API_URL is not set)`;
}

function checkedUrl(variable: string, value: string): string {
  const expected = 'expected an http(s) URL such as https://api.github.com';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigurationError(
      `${variable} is ${JSON.stringify(value)}, not a URL; ${expected}.`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigurationError(
      `${variable} is ${JSON.stringify(value)}, not an http(s) URL; ${expected}.`,
    );
  }
  return value;
}
