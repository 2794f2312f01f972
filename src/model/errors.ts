import type { ModelAnswer } from './port.js';

/** `error.details.error_code` values that mean money, not load: waiting and retrying cannot help. */
export const SPEND_LIMIT_CODES = [
  'enforced_spend_limit_reached',
  'contract_spend_limit_reached',
  'linked_organization_spend_limit_reached',
] as const;

export type SpendLimitCode = (typeof SPEND_LIMIT_CODES)[number];

/** The provider refused a call because an organisation spend limit is reached. Never retried. */
export class SpendLimitError extends Error {
  override name = 'SpendLimitError';
  constructor(
    readonly code: SpendLimitCode,
    readonly status: number,
    apiMessage: string,
  ) {
    super(
      `The model provider refused the call because a spend limit is reached (${code}, HTTP ${status}): ${apiMessage || 'no message'}. Retrying will not help: raise the organisation's spend limit or wait for it to reset.`,
    );
  }
}

/**
 * A structured answer that still did not match its schema after being asked again once. It
 * carries the answers, which were paid for.
 */
export class StructuredAnswerError extends Error {
  override name = 'StructuredAnswerError';
  constructor(
    readonly model: string,
    readonly problems: string[],
    readonly answers: ModelAnswer[],
  ) {
    super(
      `The model ${model} gave no answer matching the required JSON schema after ${problems.length} ${problems.length === 1 ? 'try' : 'tries'}: ${problems.map((problem, i) => `(${i + 1}) ${problem}`).join(' ')}`,
    );
  }
}
