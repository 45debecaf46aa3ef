/**
 * The one timer loop of the background work (operation runner, notification dispatcher,
 * periodic tasks): runs `pass` one at a time, first when started, then every `intervalMs`, and
 * soon after a `kick` (kicks during a pass run one more pass right after it). A pass that
 * returns true found more to do and runs again at once. A failing pass is logged and the loop
 * goes on. Timers never keep the process alive; `stop` waits for the pass in progress.
 */
export interface PollingLoopOptions {
  name: string;
  intervalMs: number;
  pass: () => Promise<boolean | void>;
  log?: (event: object) => void;
  /** Wait `intervalMs` before the first pass instead of running one at start. */
  delayFirst?: boolean;
}

export class PollingLoop {
  readonly #opts: PollingLoopOptions;
  #started = false;
  #stopped = false;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;

  constructor(opts: PollingLoopOptions) {
    if (!(opts.intervalMs > 0)) throw new RangeError(`${opts.name}: intervalMs must be positive.`);
    this.#opts = opts;
  }

  start(): void {
    if (this.#started || this.#stopped) return;
    this.#started = true;
    this.#schedule(this.#opts.delayFirst ? this.#opts.intervalMs : 0);
  }

  /** Asks for a pass soon. Never waits, never throws. */
  kick(): void {
    if (!this.#started || this.#stopped) return;
    if (this.#running !== undefined) {
      this.#again = true;
      return;
    }
    this.#schedule(0);
  }

  /** Stops the timer and waits for the pass in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /** One pass now, unless one is running (then waits for that one). For tests and tools. */
  async runOnce(): Promise<void> {
    if (this.#running !== undefined) return this.#running;
    this.#running = this.#passes(false).finally(() => (this.#running = undefined));
    return this.#running;
  }

  #schedule(ms: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#tick(), ms).unref();
  }

  #tick(): void {
    this.#timer = undefined;
    if (this.#stopped || this.#running !== undefined) return;
    this.#running = this.#passes(true).finally(() => {
      this.#running = undefined;
      if (!this.#stopped) this.#schedule(this.#again ? 0 : this.#opts.intervalMs);
      this.#again = false;
    });
  }

  async #passes(repeat: boolean): Promise<void> {
    do {
      this.#again = false;
      let more: boolean | void = false;
      try {
        more = await this.#opts.pass();
      } catch (error) {
        this.#opts.log?.({ event: `${this.#opts.name}.pass-failed`, message: error instanceof Error ? error.message : String(error) });
      }
      if (more === true) this.#again = true;
    } while (repeat && this.#again && !this.#stopped);
  }
}
