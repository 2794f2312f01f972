import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import { parse, validate } from 'graphql';
import { githubGraphqlSchema } from '../../src/twin/index.js';

// ajv-formats is CommonJS with a default export; under NodeNext its plugin sits on `.default`.
const addFormats = ((addFormatsPlugin as unknown as { default?: unknown }).default ??
  addFormatsPlugin) as (ajv: Ajv) => void;

const require = createRequire(import.meta.url);

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

interface OpenApiOperation {
  responses: Record<string, { $ref?: string; content?: Record<string, { schema?: unknown }> }>;
}

let ajv: Ajv | undefined;
const validators = new Map<string, ValidateFunction>();

/**
 * Why a response body does not match GitHub's OpenAPI schema for that route and status, as a
 * list of problems (empty when it matches). Validation uses ajv over the whole description, so
 * shared component schemas are checked as GitHub defines them.
 */
export function responseProblems(
  method: string,
  template: string,
  status: number,
  body: unknown,
): string[] {
  const description = openApiDescription() as unknown as {
    paths: Record<string, Record<string, OpenApiOperation>>;
    components: { responses: Record<string, { content?: Record<string, { schema?: unknown }> }> };
  };
  const operation = description.paths[template]?.[method.toLowerCase()];
  if (!operation) return [`no operation ${method} ${template}`];
  let response = operation.responses[String(status)];
  if (!response) return [`${method} ${template} documents no ${status} answer`];
  if (response.$ref)
    response = description.components.responses[response.$ref.split('/').pop()!] ?? {};
  const schema = response.content?.['application/json']?.schema;
  if (schema === undefined)
    return body === undefined || body === ''
      ? []
      : [`${status} has no JSON body in the description`];
  const key = `${method} ${template} ${status}`;
  if (!ajv) {
    ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
    addFormats(ajv);
    ajv.addSchema(toJsonSchema(description) as object, 'api');
  }
  const compiler = ajv;
  let validate = validators.get(key);
  if (!validate) {
    const rewritten = toJsonSchema(
      JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"api#/components/')),
    ) as object;
    validate = compiler.compile(rewritten);
    validators.set(key, validate);
  }
  if (validate(body)) return [];
  return (validate.errors ?? [])
    .slice(0, 10)
    .map(
      (error) =>
        `${error.instancePath || '(body)'} ${error.message ?? ''} ${JSON.stringify(error.params)}`,
    );
}

/** OpenAPI 3.0's `nullable: true` in JSON Schema terms: the value may also be null. */
function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (node === null || typeof node !== 'object') return node;
  const { nullable, ...rest } = node as Record<string, unknown>;
  const converted = Object.fromEntries(
    Object.entries(rest).map(([key, value]) => [key, toJsonSchema(value)]),
  );
  if (nullable !== true) return converted;
  if (typeof converted['type'] === 'string' && converted['enum'] === undefined) {
    return { ...converted, type: [converted['type'], 'null'] };
  }
  return { anyOf: [converted, { type: 'null' }] };
}
