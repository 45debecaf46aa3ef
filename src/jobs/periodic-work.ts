import { PollingLoop } from './polling-loop.js';

/** One kind of periodic background work (a purge, a sweep, a reminder), named for the logs. */
export interface PeriodicTask {
  name: string;
  /** Real time between runs. */
  intervalMs: number;
  run(): Promise<void>;
}

/**
 * The registry of periodic work on every instance: each task on its own loop, never two runs
 * of one task at once, failures logged and retried at the next tick. The tasks themselves are
 * the app's (app/periodic-tasks.ts); main/ hands them in, so jobs/ knows none of them.
 */
export class PeriodicWork {
  readonly #loops = new Map<string, PollingLoop>();

  constructor(tasks: readonly PeriodicTask[], log?: (event: object) => void) {
    for (const task of tasks) {
      if (this.#loops.has(task.name)) throw new Error(`Two periodic tasks are named ${task.name}.`);
      this.#loops.set(
        task.name,
        new PollingLoop({
          name: task.name,
          intervalMs: task.intervalMs,
          delayFirst: false,
          pass: async () => void (await task.run()),
          ...(log === undefined ? {} : { log }),
        }),
      );
    }
  }

  start(): void {
    for (const loop of this.#loops.values()) loop.start();
  }

  /** Runs one task now (waiting for a run in progress instead of starting a second). */
  runNow(name: string): Promise<void> {
    const loop = this.#loops.get(name);
    if (loop === undefined) return Promise.reject(new Error(`No periodic task ${name}.`));
    return loop.runOnce();
  }

  async stop(): Promise<void> {
    await Promise.all([...this.#loops.values()].map((loop) => loop.stop()));
  }
}
