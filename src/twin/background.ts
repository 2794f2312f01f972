/**
 * Work GitHub does after it has answered: computing mergeability, updating a branch, auto-merge,
 * the merge queue, CI runs. Tasks run after `delayMs`, or, when it is null, only on `tick()`, so
 * a test can hold the world still between two requests and then let it move.
 */
export class Background {
  private readonly manual: (() => Promise<void>)[] = [];
  private readonly running = new Set<Promise<void>>();
  private readonly timers = new Map<NodeJS.Timeout, () => Promise<void>>();
  private readonly failures: string[] = [];
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
    const running: Promise<void> = task()
      .catch((error: unknown) => {
        this.failures.push((error as Error).message);
      })
      .finally(() => this.running.delete(running));
    this.running.add(running);
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

  close(): void {
    this.closed = true;
    for (const timer of this.timers.keys()) clearTimeout(timer);
    this.timers.clear();
    this.manual.length = 0;
  }
}
