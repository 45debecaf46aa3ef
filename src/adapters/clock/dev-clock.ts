import type { Clock, SettableClock } from '../../ports/clock.js';

/** Where the offset is shared, so every server instance on one store sees the same dev time. */
export interface OffsetStore {
  get(name: string): Promise<string | undefined>;
  put(name: string, value: string): Promise<void>;
}

const SETTING = 'dev.clockOffsetMs';

/**
 * A clock that can be moved forward, for trying out the 1 h / 24 h / 72 h / 28 day rules
 * (`KEYWARD_DEV_CLOCK=1`). It only ever moves forward, so time gates cannot be replayed.
 * The offset is kept in the store and re-read (`refresh`) so instances sharing it agree.
 */
export class DevClock implements SettableClock {
  private offsetMs = 0;

  constructor(
    private readonly base: Clock,
    private readonly shared?: OffsetStore,
  ) {}

  now(): Date {
    return new Date(this.base.now().getTime() + this.offsetMs);
  }

  async refresh(): Promise<void> {
    const stored = Number((await this.shared?.get(SETTING)) ?? 0);
    if (Number.isFinite(stored) && stored > this.offsetMs) this.offsetMs = stored;
  }

  async advance(seconds: number): Promise<Date> {
    if (!Number.isFinite(seconds) || seconds < 0) throw new RangeError('The dev clock only moves forward.');
    await this.refresh();
    this.offsetMs += Math.round(seconds * 1000);
    await this.shared?.put(SETTING, String(this.offsetMs));
    return this.now();
  }
}
