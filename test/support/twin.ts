import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { FixtureInput, Twin } from '../../src/twin/index.js';
import { ROOT } from './source.js';

const exec = promisify(execFile);

/** The documented example fixture (examples/twin/shop.json), fresh for each test. */
export function shopFixture(): FixtureInput {
  return JSON.parse(readFileSync(join(ROOT, 'examples/twin/shop.json'), 'utf8')) as FixtureInput;
}

export interface Answer<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** A tiny REST and GraphQL client for exercising the twin directly, without our retries. */
export function client(twin: Twin, token: string | null = 'ghs_bot') {
  const headers = (): Record<string, string> => ({
    'content-type': 'application/json',
    ...(token === null ? {} : { authorization: `token ${token}` }),
  });
  const request = async <T = any>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<Answer<T>> => {
    // Redirects are answers too (an artifact's download is a 302), so they are not followed.
    const response = await fetch(`${twin.urls.api}${path}`, {
      method,
      headers: headers(),
      redirect: 'manual',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    const json = /json/.test(response.headers.get('content-type') ?? 'json');
    return {
      status: response.status,
      headers: response.headers,
      body: text === '' ? undefined : json ? JSON.parse(text) : text,
    };
  };
  const graphql = async <T = any>(
    query: string,
    variables: Record<string, unknown> = {},
  ): Promise<Answer<T>> => {
    const response = await fetch(twin.urls.graphql, {
      method: 'POST',
      headers: headers(),
      body: JSON.stringify({ query, variables }),
    });
    return {
      status: response.status,
      headers: response.headers,
      body: (await response.json()) as T,
    };
  };
  return { request, graphql };
}

/** Runs git without blocking the event loop (the twin serves from this same process). */
export async function git(args: string[], cwd: string): Promise<string> {
  const { stdout } = await exec('git', args, {
    cwd,
    env: {
      ...process.env,
      GIT_TERMINAL_PROMPT: '0',
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@example.com',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@example.com',
    },
  });
  return stdout;
}

export function cloneUrl(twin: Twin, token?: string): string {
  const url = new URL(`${twin.urls.git}/acme/shop.git`);
  if (token !== undefined) {
    url.username = 'x-access-token';
    url.password = token;
  }
  return url.toString();
}
/** Open issues carrying one label, with what eligibility and ordering need, 100 a page. */
export const LABELLED_ISSUES_QUERY = /* GraphQL */ `
  query ReadyIssues($owner: String!, $name: String!, $label: String!, $cursor: String) {
    repository(owner: $owner, name: $name) {
      issues(
        first: 100
        after: $cursor
        states: OPEN
        labels: [$label]
        orderBy: { field: CREATED_AT, direction: ASC }
      ) {
        pageInfo {
          hasNextPage
          endCursor
        }
        nodes {
          number
          databaseId
          title
          body
          createdAt
          lastEditedAt
          editor {
            login
          }
          author {
            login
          }
          labels(first: 20) {
            nodes {
              name
            }
          }
          timelineItems(last: 5, itemTypes: [LABELED_EVENT]) {
            nodes {
              ... on LabeledEvent {
                createdAt
                actor {
                  login
                }
                label {
                  name
                }
              }
            }
          }
          subIssues(first: 10) {
            nodes {
              number
              state
            }
          }
        }
      }
    }
    rateLimit {
      cost
      remaining
    }
  }
`;
