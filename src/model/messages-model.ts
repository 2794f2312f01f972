import { APIConnectionError, APIError, APIUserAbortError } from '@anthropic-ai/sdk';
import { zodOutputFormat } from '@anthropic-ai/sdk/helpers/zod';
import type {
  Message,
  MessageCountTokensParams,
  MessageStreamParams,
} from '@anthropic-ai/sdk/resources/messages/messages';
import type { z } from 'zod';
import {
  SPEND_LIMIT_CODES,
  SpendLimitError,
  StructuredAnswerError,
  withAnswers,
} from './errors.js';
import type {
  CallOptions,
  ContentBlock,
  ModelAnswer,
  ModelMessage,
  ModelPort,
  ModelRequest,
  Role,
  Usage,
} from './port.js';
import { costUsd, type Price } from './prices.js';

/** The part of an SDK client's `messages` resource this port uses; Bedrock has no countTokens. */
export interface MessagesApi {
  /** `currentMessage`: what the stream had received, for the usage of an attempt cut short. */
  stream(params: MessageStreamParams): {
    finalMessage(): Promise<Message>;
    readonly currentMessage?: Message | undefined;
  };
  countTokens?(params: MessageCountTokensParams): PromiseLike<{ input_tokens: number }>;
}

/**
 * Where the moving end of the conversation is marked for caching: a top-level `cache_control`
 * (the Anthropic API marks the last cacheable block itself), or a marker on the last block of the
 * last user message, the long-standing form every provider accepts.
 */
export type ConversationCache = 'top-level' | 'last-block';

export interface MessagesModelOptions {
  messages: MessagesApi;
  models: Readonly<Record<Role, string>>;
  prices: Readonly<Record<Role, Price>>;
  conversationCache: ConversationCache;
  /** Extra attempts after an SSE `error` event, which the SDK does not retry. */
  streamRetries: number;
  /** Wait before the n-th extra attempt: n × this. */
  streamRetryDelayMs: number;
  sleep?: (ms: number) => Promise<void>;
}

const EPHEMERAL = { type: 'ephemeral' } as const;

/** Input tokens a schema-less client tool (bash, editor) adds to the prompt; generous. */
const TOOL_OVERHEAD_TOKENS = 1_000;
/** The request's own framing and the structured-output instructions; generous. */
const REQUEST_OVERHEAD_TOKENS = 500;
/** The correction a second structured attempt adds, beside the first answer. */
const CORRECTION_TOKENS = 500;

/**
 * A conservative token count without a tokenizer: one token for every two bytes of the request's
 * JSON. Real tokens average three to four characters, so this over-counts, as a budget guard should.
 */
export function overEstimateTokens(params: MessageCountTokensParams): number {
  const bytes = Buffer.byteLength(JSON.stringify(params), 'utf8');
  return Math.ceil(bytes / 2) + (params.tools?.length ?? 0) * TOOL_OVERHEAD_TOKENS;
}

/** The model port over one SDK client: the Anthropic API, Bedrock and Vertex differ only in it. */
export class MessagesModel implements ModelPort {
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: MessagesModelOptions) {
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  modelFor(role: Role): string {
    return this.options.models[role];
  }

  async send(request: ModelRequest, options: CallOptions = {}): Promise<ModelAnswer> {
    return this.call(request.role, this.params(request), options);
  }

  async structured<T>(
    request: ModelRequest,
    schema: z.ZodType<T>,
    options: CallOptions = {},
  ): Promise<{ value: T; answers: ModelAnswer[] }> {
    const format = outputFormat(schema);
    const answers: ModelAnswer[] = [];
    const problems: string[] = [];
    let messages = request.messages;
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        const answer = await this.call(
          request.role,
          this.params({ ...request, messages }, format),
          options,
        );
        answers.push(answer);
        const checked = check(answer, schema);
        if (checked.ok) return { value: checked.value, answers };
        problems.push(checked.problem);
        if (answer.stopReason === 'refusal') break;
        messages = [
          ...messages,
          // An empty assistant message is refused by the API: say what was there.
          {
            role: 'assistant',
            content:
              answer.content.length > 0 ? answer.content : [{ type: 'text', text: '(no answer)' }],
          },
          {
            role: 'user',
            content: `That answer cannot be used: ${checked.problem}. Answer again with only a JSON value that matches the required schema.`,
          },
        ];
      }
    } catch (error) {
      // The answers before the failure were paid for.
      throw withAnswers(error, answers);
    }
    throw new StructuredAnswerError(this.modelFor(request.role), problems, answers);
  }

  async worstCaseUsd(request: ModelRequest, schema?: z.ZodType<unknown>): Promise<number> {
    const params = this.params(request, schema ? outputFormat(schema) : undefined);
    const input = (await this.inputTokens(params)) + REQUEST_OVERHEAD_TOKENS;
    const price = this.options.prices[request.role];
    // All input as if it were written to the cache, whichever of plain and written input costs more.
    const inputPrice = Math.max(price.input, price.cacheWrite);
    const once = (tokens: number) => tokens * inputPrice + request.maxTokens * price.output;
    // structured() may ask again, carrying the first answer and a correction.
    const total = schema
      ? once(input) + once(input + request.maxTokens + CORRECTION_TOKENS)
      : once(input);
    return total / 1_000_000;
  }

  private async inputTokens(params: MessageStreamParams): Promise<number> {
    const counting: MessageCountTokensParams = {
      model: params.model,
      messages: params.messages,
      ...(params.system ? { system: params.system } : {}),
      ...(params.tools ? { tools: params.tools as MessageCountTokensParams['tools'] } : {}),
      ...(params.output_config ? { output_config: params.output_config } : {}),
    };
    const count = this.options.messages.countTokens;
    if (count) {
      try {
        return (await count.call(this.options.messages, counting)).input_tokens;
      } catch {
        // Counting is an optimisation of the estimate; the over-estimate below is still safe.
      }
    }
    return overEstimateTokens(counting);
  }

  private params(
    request: ModelRequest,
    format?: { type: 'json_schema'; schema: Record<string, unknown> },
  ): MessageStreamParams {
    const tools = request.tools ?? [];
    const marked = this.options.conversationCache === 'last-block';
    return {
      model: this.modelFor(request.role),
      max_tokens: request.maxTokens,
      // The stable prefix, tools then system, is cached; so is the conversation so far.
      ...(tools.length > 0
        ? {
            tools: tools.map((tool, i) =>
              i === tools.length - 1 ? { ...tool, cache_control: EPHEMERAL } : tool,
            ) as unknown as MessageStreamParams['tools'],
          }
        : {}),
      ...(request.system
        ? { system: [{ type: 'text' as const, text: request.system, cache_control: EPHEMERAL }] }
        : {}),
      messages: (marked
        ? markLastBlock(request.messages)
        : request.messages) as unknown as MessageStreamParams['messages'],
      ...(marked ? {} : { cache_control: EPHEMERAL }),
      ...(format ? { output_config: { format } } : {}),
    };
  }

  /**
   * One streamed call, again after an SSE `error` event; the SDK retries statuses itself. An
   * attempt cut short whose usage the stream reported is returned with the answer (or attached to
   * the error) as a failed attempt, with its cost.
   */
  private async call(
    role: Role,
    params: MessageStreamParams,
    options: CallOptions,
  ): Promise<ModelAnswer> {
    const failed: ModelAnswer[] = [];
    for (let attempt = 0; ; attempt++) {
      const stream = this.options.messages.stream(params);
      try {
        const message = await stream.finalMessage();
        const answer = this.answer(role, message);
        return failed.length > 0 ? { ...answer, failedAttempts: failed } : answer;
      } catch (error) {
        const partial = partialMessage(stream);
        const lost = partial
          ? { ...this.answer(role, partial), content: [], stopReason: 'error' }
          : undefined;
        if (lost) failed.push(lost);
        const spend = spendLimit(error);
        if (spend) throw withAnswers(spend, failed);
        if (!isStreamError(error) || attempt >= this.options.streamRetries)
          throw withAnswers(error, failed);
        try {
          // The caller may refuse to pay for another attempt.
          await options.beforeRetry?.(lost);
        } catch (refusal) {
          throw withAnswers(refusal, failed);
        }
        await this.sleep(this.options.streamRetryDelayMs * (attempt + 1));
      }
    }
  }

  private answer(role: Role, message: Message): ModelAnswer {
    const usage: Usage = {
      input: message.usage.input_tokens,
      output: message.usage.output_tokens,
      cacheCreation: message.usage.cache_creation_input_tokens ?? 0,
      cacheRead: message.usage.cache_read_input_tokens ?? 0,
    };
    return {
      model: message.model,
      content: message.content as unknown as ContentBlock[],
      stopReason: message.stop_reason ?? 'end_turn',
      usage,
      costUsd: costUsd(this.options.prices[role], usage),
    };
  }
}

function outputFormat(schema: z.ZodType<unknown>): {
  type: 'json_schema';
  schema: Record<string, unknown>;
} {
  // Only the schema: the helper's own parser would throw inside the SDK instead of letting us ask again.
  return { type: 'json_schema', schema: zodOutputFormat(schema).schema };
}

function check<T>(
  answer: ModelAnswer,
  schema: z.ZodType<T>,
): { ok: true; value: T } | { ok: false; problem: string } {
  if (answer.stopReason === 'refusal') return { ok: false, problem: 'the model refused to answer' };
  const text = answer.content
    .filter((block) => block.type === 'text')
    .map((block) => String(block['text'] ?? ''))
    .join('');
  const cut = answer.stopReason === 'max_tokens' ? ' (the answer was cut off at max_tokens)' : '';
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return {
      ok: false,
      problem: `the answer is not valid JSON${cut}: ${(error as Error).message}`,
    };
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issues = parsed.error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
  return { ok: false, problem: `the JSON does not match the schema${cut}: ${issues}` };
}

/** A copy whose last user message's last block carries a cache marker; the rest is untouched. */
function markLastBlock(messages: ModelMessage[]): ModelMessage[] {
  const last = messages[messages.length - 1];
  if (!last || last.role !== 'user') return messages;
  const blocks: ContentBlock[] =
    typeof last.content === 'string' ? [{ type: 'text', text: last.content }] : last.content;
  if (blocks.length === 0) return messages;
  const marked = blocks.map((block, i) =>
    i === blocks.length - 1 ? { ...block, cache_control: EPHEMERAL } : block,
  );
  return [...messages.slice(0, -1), { role: 'user', content: marked }];
}

/** What a stream had received when it failed, when it had started (message_start carries usage). */
function partialMessage(stream: {
  readonly currentMessage?: Message | undefined;
}): Message | undefined {
  try {
    const message = stream.currentMessage;
    return message && typeof message.usage?.input_tokens === 'number' ? message : undefined;
  } catch {
    return undefined;
  }
}

/** An SSE `error` event after the 200: an APIError with no status that is not the SDK's own. */
function isStreamError(error: unknown): boolean {
  return (
    error instanceof APIError &&
    error.status === undefined &&
    !(error instanceof APIConnectionError) &&
    !(error instanceof APIUserAbortError)
  );
}

function spendLimit(error: unknown): SpendLimitError | undefined {
  if (!(error instanceof APIError) || error.status === undefined) return undefined;
  const body = error.error as { error?: { error_code?: unknown } } | undefined;
  const code = error.errorCode ?? body?.error?.error_code;
  const known = SPEND_LIMIT_CODES.find((candidate) => candidate === code);
  return known ? new SpendLimitError(known, error.status, error.apiMessage ?? '') : undefined;
}
