import AnthropicBedrock from '@anthropic-ai/bedrock-sdk';
import Anthropic from '@anthropic-ai/sdk';
import type { Middleware } from '@anthropic-ai/sdk/client';
import AnthropicVertex from '@anthropic-ai/vertex-sdk';
import type { AuthClient } from 'google-auth-library';
import { SPEND_LIMIT_CODES } from './errors.js';
import { MessagesModel, type MessagesApi } from './messages-model.js';
import type { ModelPort } from './port.js';
import {
  resolveModelSettings,
  type ModelSettings,
  type ResolvedModelSettings,
} from './settings.js';

/** Collaborators a caller may replace: the network (tests, proxies) and Vertex's credentials. */
export interface ModelDependencies {
  fetch?: typeof fetch;
  /** Vertex only; else the application default credentials. */
  googleAuthClient?: AuthClient;
  sleep?: (ms: number) => Promise<void>;
  /** Wait before retrying a stream that failed after its 200; the n-th retry waits n times this. */
  streamRetryDelayMs?: number;
}

/** Up to two more attempts after an SSE `error` event. */
const STREAM_RETRIES = 2;
const STREAM_RETRY_DELAY_MS = 2_000;

/**
 * A spend limit's 429 says nothing of waiting (no retry-after), and the SDK would retry every 429:
 * tell it not to, so the caller learns of the budget at once.
 */
export const noRetryOnSpendLimit: Middleware = async (request, next, context) => {
  const response = await next(request);
  if (response.status < 400 || response.status >= 500) return response;
  const body = await context
    .parse<{ error?: { error_code?: unknown; details?: { error_code?: unknown } } }>(response)
    .catch(() => undefined);
  const code = body?.error?.details?.error_code ?? body?.error?.error_code;
  if (!SPEND_LIMIT_CODES.some((known) => known === code)) return response;
  const headers = new Headers(response.headers);
  headers.set('x-should-retry', 'false');
  return new Response(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers,
  });
};

/** The model port for the configured provider; bad settings throw an error naming the input. */
export function createModelPort(
  settings: ModelSettings,
  dependencies: ModelDependencies = {},
): ModelPort {
  const resolved = resolveModelSettings(settings);
  return new MessagesModel({
    messages: messagesApi(resolved, dependencies),
    models: resolved.models,
    prices: resolved.prices,
    // Top-level cache_control is an Anthropic API feature; the block marker works everywhere.
    conversationCache: resolved.provider === 'anthropic' ? 'top-level' : 'last-block',
    streamRetries: STREAM_RETRIES,
    streamRetryDelayMs: dependencies.streamRetryDelayMs ?? STREAM_RETRY_DELAY_MS,
    ...(dependencies.sleep ? { sleep: dependencies.sleep } : {}),
  });
}

function messagesApi(
  settings: ResolvedModelSettings,
  dependencies: ModelDependencies,
): MessagesApi {
  const common = {
    maxRetries: settings.maxRetries,
    timeout: settings.timeoutMs,
    middleware: [noRetryOnSpendLimit],
    ...(dependencies.fetch ? { fetch: dependencies.fetch } : {}),
    ...(settings.baseUrl ? { baseURL: settings.baseUrl } : {}),
  };
  switch (settings.provider) {
    case 'anthropic':
      return new Anthropic({ ...common, apiKey: settings.apiKey ?? null }).messages;
    case 'bedrock': {
      // Without a Bedrock API key, AWS credentials sign the request (SigV4) from the environment
      // or the provider chain, as aws-actions/configure-aws-credentials leaves them.
      const { messages } = new AnthropicBedrock({
        ...common,
        apiKey: settings.apiKey ?? null,
        ...(settings.region ? { awsRegion: settings.region } : {}),
      });
      // Bedrock has no token counting, though the resource still inherits the method.
      return { stream: (params) => messages.stream(params) };
    }
    case 'vertex':
      return new AnthropicVertex({
        ...common,
        region: settings.region ?? null,
        projectId: settings.project ?? null,
        ...(dependencies.googleAuthClient ? { authClient: dependencies.googleAuthClient } : {}),
      }).messages;
  }
}
