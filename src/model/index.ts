export type {
  CallOptions,
  ContentBlock,
  ModelAnswer,
  ModelMessage,
  ModelPort,
  ModelRequest,
  Role,
  Usage,
} from './port.js';
export {
  SPEND_LIMIT_CODES,
  SpendLimitError,
  StructuredAnswerError,
  answersOf,
  withAnswers,
} from './errors.js';
export {
  DEFAULT_PRICES,
  costUsd,
  parsePriceOverrides,
  priceKey,
  priceOf,
  type Price,
  type PriceEntry,
  type PriceOverrides,
} from './prices.js';
export {
  DEFAULT_MAX_RETRIES,
  DEFAULT_MODELS,
  DEFAULT_TIMEOUT_SECONDS,
  MODEL_INPUTS,
  PROVIDERS,
  bedrockModelId,
  resolveModelSettings,
  type ModelSettings,
  type Provider,
  type ResolvedModelSettings,
} from './settings.js';
export { createModelPort, type ModelDependencies } from './providers.js';
export { overEstimateTokens } from './messages-model.js';
