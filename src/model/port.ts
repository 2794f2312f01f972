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
  /**
   * Earlier attempts of the same call that an SSE error cut off and the port sent again, when
   * their usage is known (what the stream reported before the error), each with its cost.
   */
  failedAttempts?: ModelAnswer[];
}

export interface CallOptions {
  /**
   * Called before the port sends a call again after a stream error (an SSE `error` event, which
   * the SDK does not retry), with the failed attempt when its usage is known. The failed attempt
   * may have been billed: a caller on a budget checks here that another attempt still fits, and
   * throws to stop the call; the error is thrown from `send` or `structured`.
   */
  beforeRetry?(failed: ModelAnswer | undefined): void | Promise<void>;
}

export interface ModelPort {
  /** The model id each role uses. */
  modelFor(role: Role): string;
  /**
   * One call; the SDK retries 429, 529 and 5xx itself. Errors thrown by `send` and `structured`
   * carry the answers already paid for as `answers` (see `answersOf`).
   */
  send(request: ModelRequest, options?: CallOptions): Promise<ModelAnswer>;
  /**
   * One call whose answer must match `schema` (structured output through
   * `output_config.format`); an invalid answer is asked for again once, then it throws.
   */
  structured<T>(
    request: ModelRequest,
    schema: z.ZodType<T>,
    options?: CallOptions,
  ): Promise<{ value: T; answers: ModelAnswer[] }>;
  /**
   * The most this request could cost: its input tokens (counted or over-estimated) and all of
   * `maxTokens` as output, at the role's prices, for one attempt (a stream error's further
   * attempts are checked through `CallOptions.beforeRetry`). With `schema`, the most
   * `structured()` could cost: both of its calls, the second carrying the first answer and a
   * correction.
   */
  worstCaseUsd(request: ModelRequest, schema?: z.ZodType<unknown>): Promise<number>;
}
