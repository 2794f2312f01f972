/**
 * Work GitHub does after it has answered: computing mergeability, updating a branch, auto-merge,
 * the merge queue, CI runs. Tasks run after `delayMs`, or, when it is null, only on `tick()`, so
 * a test can hold the world still between two requests and then let it move.
 */
export class Background {
  private readonly manual: (() => Promise<void>)[] = [];
  private readonly running = new Set<Promise<void>>();
  private readonly timers = new Map<NodeJS.Timeout, () => Promise<void>>();
  /** Failures since the last tick (a tick answers them). */
  private readonly failures: string[] = [];
  /** Every failure since the twin started, for `/_twin/state`. */
  readonly history: { at: string; message: string }[] = [];
  private closed = false;

  constructor(private readonly delayMs: number | null) {}

  /** Runs `task` later: after the delay, or on the next tick. */
  later(task: () => Promise<void>): void {
    if (this.closed) return;
    if (this.delayMs === null) {
      this.manual.push(task);
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.start(task);
    }, this.delayMs);
    this.timers.set(timer, task);
  }

  /** Runs `task` now, without waiting for a tick, and tracks it until it ends. */
  start(task: () => Promise<void>): void {
    if (this.closed) return;
    const running: Promise<void> = Promise.resolve()
      .then(task)
      .catch((error: unknown) => this.fail(error))
      .finally(() => this.running.delete(running));
    this.running.add(running);
  }

  /** Records work that failed in the background: the next tick answers it, the state keeps it. */
  fail(error: unknown, context?: string): void {
    const message = `${context ? `${context}: ` : ''}${error instanceof Error ? error.message : String(error)}`;
    this.failures.push(message);
    this.history.push({ at: new Date().toISOString(), message });
  }

  /** Whether anything is waiting or running. */
  get busy(): boolean {
    return this.manual.length > 0 || this.running.size > 0 || this.timers.size > 0;
  }

  /**
   * Runs everything waiting for a tick, and everything that work schedules in turn, until
   * nothing is left; timers due later are run at once. Answers how many tasks ran.
   */
  async tick(): Promise<{ ran: number; failures: string[] }> {
    let ran = 0;
    while (this.manual.length > 0 || this.running.size > 0 || this.timers.size > 0) {
      // Work due later runs now: a tick is the test saying that time has passed.
      for (const [timer, task] of this.timers) {
        clearTimeout(timer);
        this.timers.delete(timer);
        this.start(task);
      }
      const tasks = this.manual.splice(0);
      for (const task of tasks) this.start(task);
      ran += tasks.length;
      await Promise.allSettled([...this.running]);
    }
    return { ran, failures: this.failures.splice(0) };
  }

  /** Waits until the work that is running ends (held and manual work stays). */
  async idle(): Promise<void> {
    while (this.running.size > 0 || this.timers.size > 0) {
      await Promise.allSettled([...this.running]);
      if (this.timers.size > 0) await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** Stops taking work: nothing waiting runs, nothing new starts. Running work goes on. */
  close(): void {
    this.closed = true;
    for (const timer of this.timers.keys()) clearTimeout(timer);
    this.timers.clear();
    this.manual.length = 0;
  }

  /** Waits until the work that was running when the twin closed has ended. */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }
}

/**
 * Runs tasks one after another: each starts once every task run before it has ended, whether
 * it succeeded or failed. Two pushes, or two steps of the merge queue, never interleave.
 */
export class Serial {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
