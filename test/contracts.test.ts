import { describe, expect, it } from '@jest/globals';
import { GRAPHQL_DOCUMENTS } from '../src/github/graphql.js';
import { ROUTES } from '../src/github/routes.js';
import { graphqlSchemaErrors, routeProblem } from './support/contracts.js';
import { sourceFiles } from './support/source.js';

describe('GraphQL documents against GitHub’s published schema', () => {
  it.each(Object.entries(GRAPHQL_DOCUMENTS))('%s is valid', (_name, document) => {
    expect(graphqlSchemaErrors(document)).toEqual([]);
  });

  it('rejects a document that asks for a field GitHub does not have', () => {
    const errors = graphqlSchemaErrors('query { viewer { login favouriteColour } }');
    expect(errors).toEqual([expect.stringContaining('favouriteColour')]);
  });

  it('rejects a document with a wrongly typed argument', () => {
    const errors = graphqlSchemaErrors(
      'query { repository(owner: "a", name: "b") { issues(first: "many") { totalCount } } }',
    );
    expect(errors.length).toBeGreaterThan(0);
  });

  it('finds no GraphQL document outside src/github/graphql/', () => {
    const stray = sourceFiles()
      .filter((file) => !file.path.startsWith('src/github/graphql/'))
      .filter((file) => /[`'"]\s*(query|mutation|fragment)\s+\w+[\s({]/.test(file.text))
      .map((file) => file.path);
    expect(stray).toEqual([]);
  });
});

describe('REST routes against GitHub’s OpenAPI description', () => {
  it.each(Object.entries(ROUTES))('%s (%s) exists', (_name, route) => {
    expect(routeProblem(route)).toBeUndefined();
  });

  it('rejects a path GitHub does not have', () => {
    expect(routeProblem('GET /repos/{owner}/{repo}/issues/{issue_number}/claims')).toMatch(
      /no path/,
    );
  });

  it('rejects a method the path does not offer', () => {
    expect(routeProblem('DELETE /repos/{owner}/{repo}/issues/{issue_number}')).toMatch(
      /has no DELETE operation/,
    );
  });

  it('rejects a route that is not METHOD /path', () => {
    expect(routeProblem('repos/{owner}/{repo}')).toMatch(/not of the form/);
  });

  it('finds no REST route literal outside src/github/routes.ts', () => {
    // The twin serves routes rather than calling them; test/twin checks its table separately.
    const stray = sourceFiles()
      .filter((file) => file.path !== 'src/github/routes.ts' && !file.path.startsWith('src/twin/'))
      .filter((file) => /['"`](GET|POST|PUT|PATCH|DELETE) \/[a-z{]/.test(file.text))
      .map((file) => file.path);
    expect(stray).toEqual([]);
  });
});
