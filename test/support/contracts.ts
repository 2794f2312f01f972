import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { schema as publishedSchema } from '@octokit/graphql-schema';
import { buildSchema, parse, validate, type GraphQLSchema } from 'graphql';

const require = createRequire(import.meta.url);

let githubSchema: GraphQLSchema | undefined;

/**
 * GitHub's published schema, built from the package's IDL. Its introspection JSON (what the
 * package's own `validate` uses) lags behind the IDL: it lacks `Issue.subIssues`, for one.
 */
export function githubGraphqlSchema(): GraphQLSchema {
  githubSchema ??= buildSchema(publishedSchema.idl, { assumeValidSDL: true });
  return githubSchema;
}

/** GitHub's published GraphQL schema's verdict on one document: the error messages, none if valid. */
export function graphqlSchemaErrors(document: string): string[] {
  try {
    return validate(githubGraphqlSchema(), parse(document)).map((error) => error.message);
  } catch (error) {
    return [(error as Error).message];
  }
}

interface OpenApiDescription {
  paths: Record<string, Record<string, unknown>>;
}

let description: OpenApiDescription | undefined;

/** GitHub's REST description; only this generated file is read, never the package's 385 MB root. */
export function openApiDescription(): OpenApiDescription {
  description ??= JSON.parse(
    readFileSync(require.resolve('@octokit/openapi/generated/api.github.com.json'), 'utf8'),
  ) as OpenApiDescription;
  return description;
}

/** Why an Octokit route (`METHOD /path`) is not in GitHub's REST description, or undefined if it is. */
export function routeProblem(route: string): string | undefined {
  const match = /^(GET|POST|PUT|PATCH|DELETE) (\/\S+)$/.exec(route);
  if (!match) return `'${route}' is not of the form 'METHOD /path'`;
  const [, method, path] = match as unknown as [string, string, string];
  const operations = openApiDescription().paths[path];
  if (!operations) return `no path ${path} in api.github.com.json`;
  if (!(method.toLowerCase() in operations)) return `${path} has no ${method} operation`;
  return undefined;
}
