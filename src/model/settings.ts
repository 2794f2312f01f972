import { ConfigurationError } from '../errors.js';
import type { Role } from './port.js';
import { parsePriceOverrides, priceOf, type PriceEntry } from './prices.js';

export const PROVIDERS = ['anthropic', 'bedrock', 'vertex'] as const;
export type Provider = (typeof PROVIDERS)[number];

export const ROLES: readonly Role[] = ['po', 'dev', 'review'];

/** The action inputs each setting comes from: errors name them. */
export const MODEL_INPUTS = {
  provider: 'model-provider',
  apiKey: 'anthropic-api-key',
  baseUrl: 'anthropic-base-url',
  region: 'model-region',
  project: 'vertex-project-id',
  po: 'po-model',
  dev: 'dev-model',
  review: 'review-model',
  prices: 'model-prices',
  maxRetries: 'model-max-retries',
  timeoutSeconds: 'model-timeout-seconds',
} as const;

/** The raw model settings, as the action's inputs give them; empty strings mean "not given". */
export interface ModelSettings {
  provider: string;
  /** Anthropic API key; on Bedrock, an optional Bedrock API key instead of AWS credentials. */
  apiKey?: string;
  /** Any Messages API base URL (a gateway, the twin's scripted model); a Bedrock or Vertex endpoint. */
  baseUrl?: string;
  /** AWS region (Bedrock) or Google Cloud region (Vertex). */
  region?: string;
  /** Google Cloud project (Vertex); else the one of the application default credentials. */
  project?: string;
  models?: Partial<Record<Role, string>>;
  /** JSON price overrides, USD per million tokens, keyed by model. */
  prices?: string;
  maxRetries?: number;
  timeoutSeconds?: number;
}

export interface ResolvedModelSettings {
  provider: Provider;
  apiKey: string | undefined;
  baseUrl: string | undefined;
  region: string | undefined;
  project: string | undefined;
  models: Record<Role, string>;
  prices: Record<Role, PriceEntry>;
  maxRetries: number;
  timeoutMs: number;
}

/** What each role uses when its input is empty: Sonnet writes plans and code, Opus reviews. */
export const DEFAULT_MODELS: Readonly<Record<Role, string>> = {
  po: 'claude-sonnet-5-5',
  dev: 'claude-sonnet-5-5',
  review: 'claude-opus-5-5',
};

/** 529s come in bursts: more attempts than the SDK's 2, each waiting up to 8 s. */
export const DEFAULT_MAX_RETRIES = 4;
export const DEFAULT_TIMEOUT_SECONDS = 600;

/**
 * Bedrock's inference profiles prefix the model id; a bare Anthropic id (the same input on every
 * provider) gets the global profile. Ids with a dot or an ARN are used as given.
 */
export function bedrockModelId(model: string): string {
  return model.includes('.') || model.startsWith('arn:') ? model : `global.anthropic.${model}`;
}

/** Validates the settings; an error names the input to fix and the form expected. */
export function resolveModelSettings(settings: ModelSettings): ResolvedModelSettings {
  const given = (value: string | undefined) =>
    value === undefined || value.trim() === '' ? undefined : value.trim();
  const provider = PROVIDERS.find((name) => name === given(settings.provider));
  if (!provider) {
    throw invalid(MODEL_INPUTS.provider, settings.provider, `one of ${PROVIDERS.join(', ')}`);
  }
  const apiKey = given(settings.apiKey);
  if (provider === 'anthropic' && !apiKey) {
    throw new ConfigurationError(
      `Input '${MODEL_INPUTS.apiKey}' is required with ${MODEL_INPUTS.provider} 'anthropic' and was empty.`,
    );
  }
  const baseUrl = given(settings.baseUrl);
  if (baseUrl !== undefined && !/^https?:\/\/[^\s/]+/.test(baseUrl)) {
    throw invalid(MODEL_INPUTS.baseUrl, baseUrl, 'an http:// or https:// URL');
  }
  const region = given(settings.region);
  if (provider === 'vertex' && !region) {
    throw new ConfigurationError(
      `Input '${MODEL_INPUTS.region}' is required with ${MODEL_INPUTS.provider} 'vertex' and was empty. Expected a Google Cloud region such as us-east5 or global.`,
    );
  }
  if (region !== undefined && !/^[a-z]+(?:-[a-z]+\d*)*(?:-\d+)?$/.test(region)) {
    throw invalid(MODEL_INPUTS.region, region, 'a region such as us-east-1, us-east5 or global');
  }
  const project = given(settings.project);
  if (project !== undefined && !/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(project)) {
    throw invalid(MODEL_INPUTS.project, project, 'a Google Cloud project id such as my-project-42');
  }
  const overrides = parsePriceOverrides(settings.prices ?? '', MODEL_INPUTS.prices);
  const models = {} as Record<Role, string>;
  const prices = {} as Record<Role, PriceEntry>;
  for (const role of ROLES) {
    const model = given(settings.models?.[role]) ?? DEFAULT_MODELS[role];
    if (!/^[A-Za-z0-9][A-Za-z0-9._:@/-]*$/.test(model)) {
      throw invalid(MODEL_INPUTS[role], model, 'a model id such as claude-sonnet-5-5');
    }
    const price = priceOf(model, overrides);
    if (!price) {
      throw new ConfigurationError(
        `Input '${MODEL_INPUTS[role]}': no price is known for model '${model}'. Give its prices in '${MODEL_INPUTS.prices}', for example {"${model}": {"input": 2, "output": 10, "cacheWrite": 2.5, "cacheRead": 0.2}} (USD per million tokens).`,
      );
    }
    models[role] = provider === 'bedrock' ? bedrockModelId(model) : model;
    prices[role] = price;
  }
  const maxRetries = settings.maxRetries ?? DEFAULT_MAX_RETRIES;
  if (!Number.isInteger(maxRetries) || maxRetries < 0 || maxRetries > 10) {
    throw invalid(MODEL_INPUTS.maxRetries, String(maxRetries), 'a whole number from 0 to 10');
  }
  const timeoutSeconds = settings.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > 3600) {
    throw invalid(MODEL_INPUTS.timeoutSeconds, String(timeoutSeconds), 'seconds from 1 to 3600');
  }
  return {
    provider,
    apiKey,
    baseUrl,
    region,
    project,
    models,
    prices,
    maxRetries,
    timeoutMs: Math.round(timeoutSeconds * 1000),
  };
}

function invalid(name: string, value: string, expected: string): ConfigurationError {
  const shown = value.length > 80 ? `${value.slice(0, 80)}…` : value;
  return new ConfigurationError(
    `Invalid input '${name}': ${JSON.stringify(shown)}. Expected ${expected}.`,
  );
}
