import type { z } from 'zod';

/**
 * One interface for a Messages call with its usage: the Scrum Master's roles and its developer
 * agent talk to a model only through it. Adapters: the Anthropic API (a key, or any base URL such
 * as the twin's scripted model), Amazon Bedrock and Google Vertex.
 */

export type Role = 'po' | 'dev' | 'review';

/** Content blocks as the Messages API carries them; sent back unchanged turn after turn. */
export type ContentBlock = Record<string, unknown> & { type: string };

export interface ModelMessage {
  role: 'user' | 'assistant';
  content: string | ContentBlock[];
}

export interface ModelRequest {
  role: Role;
  /** The stable part of the system prompt first: it is marked for prompt caching. */
  system: string;
  messages: ModelMessage[];
  /** Client tool definitions (bash, text editor), marked for caching with the system prompt. */
  tools?: Record<string, unknown>[];
  maxTokens: number;
}

export interface Usage {
  input: number;
  output: number;
  cacheCreation: number;
  cacheRead: number;
}

export interface ModelAnswer {
  model: string;
  content: ContentBlock[];
  stopReason: string;
  usage: Usage;
  /** Cost of this call at the role's model prices, from its usage. */
  costUsd: number;
}

export interface ModelPort {
  /** The model id each role uses. */
  modelFor(role: Role): string;
  /** One call; the SDK retries 429, 529 and 5xx itself. */
  send(request: ModelRequest): Promise<ModelAnswer>;
  /**
   * One call whose answer must match `schema` (structured output through
   * `output_config.format`); an invalid answer is asked for again once, then it throws.
   */
  structured<T>(
    request: ModelRequest,
    schema: z.ZodType<T>,
  ): Promise<{ value: T; answers: ModelAnswer[] }>;
  /**
   * The most this request could cost: its input tokens (counted or over-estimated) and all of
   * `maxTokens` as output, at the role's prices. With `schema`, the most `structured()` could
   * cost: both of its calls, the second carrying the first answer and a correction.
   */
  worstCaseUsd(request: ModelRequest, schema?: z.ZodType<unknown>): Promise<number>;
}
