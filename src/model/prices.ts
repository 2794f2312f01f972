import { z } from 'zod';
import { ConfigurationError } from '../errors.js';
import type { Usage } from './port.js';

/** USD per million tokens. Cache writes are the 5-minute kind: the only one this port asks for. */
export interface Price {
  input: number;
  output: number;
  cacheWrite: number;
  cacheRead: number;
}

export interface PriceEntry extends Price {
  /** Where the figures come from, so a reader can check them when prices change. */
  source: string;
}

const MODEL_PAGES = 'Anthropic model pages, read late November 2026';

/**
 * Defaults for the models whose prices we have a source for. Any other model needs an override
 * (`model-prices`); guessing a price would make every budget check meaningless.
 */
export const DEFAULT_PRICES: Readonly<Record<string, PriceEntry>> = {
  'claude-opus-5-5': { input: 4, output: 20, cacheWrite: 5, cacheRead: 0.2, source: MODEL_PAGES },
  // A cut of cache reads to 0.10 was reported but not confirmed: the higher figure errs on the safe side.
  'claude-sonnet-5-5': {
    input: 2,
    output: 10,
    cacheWrite: 2.5,
    cacheRead: 0.2,
    source: MODEL_PAGES,
  },
  // Prompts up to 100k tokens; longer prompts may cost more (unconfirmed): override when it matters.
  'claude-haiku-5-5': {
    input: 0.1,
    output: 0.5,
    cacheWrite: 0.125,
    cacheRead: 0.01,
    source: `${MODEL_PAGES} (prompts ≤ 100k tokens; unverified)`,
  },
  // The page gives input and output only; cache prices follow the documented 1.25× and 0.1×.
  'claude-haiku-4-5': {
    input: 1,
    output: 5,
    cacheWrite: 1.25,
    cacheRead: 0.1,
    source: `${MODEL_PAGES}; cache prices from the 1.25× write and 0.1× read multipliers`,
  },
};

/** A cache write (5 minutes) costs this much more than plain input when no price is given. */
const CACHE_WRITE_FACTOR = 1.25;
const CACHE_READ_FACTOR = 0.1;

const perMillion = z.number().finite().min(0);
const override = z.strictObject({
  input: perMillion.optional(),
  output: perMillion.optional(),
  cacheWrite: perMillion.optional(),
  cacheRead: perMillion.optional(),
});
const overrides = z.record(z.string().min(1), override);

export type PriceOverrides = z.output<typeof overrides>;

const OVERRIDE_EXAMPLE =
  '{"claude-sonnet-5-5": {"input": 2, "output": 10, "cacheWrite": 2.5, "cacheRead": 0.2}} (USD per million tokens)';

/** Reads price overrides from their JSON text; an error names the input it came from. */
export function parsePriceOverrides(text: string, inputName: string): PriceOverrides {
  if (text.trim() === '') return {};
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigurationError(
      `Invalid input '${inputName}': not JSON (${(error as Error).message}). Expected JSON such as ${OVERRIDE_EXAMPLE}.`,
    );
  }
  const parsed = overrides.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigurationError(
      `Invalid input '${inputName}': ${issue.path.join('.') || '(top level)'}: ${issue.message}. Expected JSON such as ${OVERRIDE_EXAMPLE}.`,
    );
  }
  return parsed.data;
}

/**
 * The id a model's price is listed under: Bedrock's `global.anthropic.` prefix and `-v1:0`
 * suffix, Vertex's `@20250929` and a dated `-20250929` suffix are dropped.
 */
export function priceKey(model: string): string {
  return model
    .replace(/^(?:[a-z]{2,6}\.)?anthropic\./, '')
    .replace(/-v\d+(?::\d+)?$/, '')
    .replace(/@\d{8}$/, '')
    .replace(/-\d{8}$/, '');
}

/**
 * The price of `model`: an override (by its exact id or its price key) over the default. An
 * override of a model without defaults must give input and output; cache prices then follow the
 * documented multipliers. Returns undefined for a model nobody priced.
 */
export function priceOf(model: string, given: PriceOverrides = {}): PriceEntry | undefined {
  const key = priceKey(model);
  const base = DEFAULT_PRICES[model] ?? DEFAULT_PRICES[key];
  const change = given[model] ?? given[key];
  if (!change) return base;
  const input = change.input ?? base?.input;
  const output = change.output ?? base?.output;
  if (input === undefined || output === undefined) return undefined;
  const sameInput = input === base?.input;
  return {
    input,
    output,
    cacheWrite:
      change.cacheWrite ?? (sameInput ? base?.cacheWrite : undefined) ?? input * CACHE_WRITE_FACTOR,
    cacheRead:
      change.cacheRead ?? (sameInput ? base?.cacheRead : undefined) ?? input * CACHE_READ_FACTOR,
    source: base ? `override of ${base.source}` : 'override',
  };
}

/** The cost in USD of one call's usage. */
export function costUsd(price: Price, usage: Usage): number {
  return (
    (usage.input * price.input +
      usage.output * price.output +
      usage.cacheCreation * price.cacheWrite +
      usage.cacheRead * price.cacheRead) /
    1_000_000
  );
}
