/**
 * A hard spending cap: a model call is made only when the most it could cost fits. The limit is
 * the smaller of what the issue may still spend (its budget less earlier attempts) and what the
 * day may still spend. A reserve is held back from the developer's calls, so the review and the
 * product owner's verdict that end a round can always be paid for.
 */
export class Budget {
  private spent = 0;

  constructor(
    /** USD this attempt may spend in all: min(issue remaining, day remaining). */
    readonly limitUsd: number,
    /** USD kept for the calls that close a round. */
    readonly reserveUsd: number,
  ) {}

  get spentUsd(): number {
    return this.spent;
  }

  /** Whether a call costing at most `worstCaseUsd` may be made; `closing` calls may use the reserve. */
  allows(worstCaseUsd: number, closing = false): boolean {
    const available = this.limitUsd - (closing ? 0 : this.reserveUsd);
    return this.spent + worstCaseUsd <= available + 1e-12;
  }

  record(costUsd: number): void {
    this.spent += costUsd;
  }
}
