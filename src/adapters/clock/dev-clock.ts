import type { Clock } from '../../ports/clock.js';

/**
 * A clock that can be moved forward, for trying out the 1 h / 24 h / 72 h / 28 day rules
 * (`KEYWARD_DEV_CLOCK=1`). It only ever moves forward, so time gates cannot be replayed.
 */
export class DevClock implements Clock {
  private offsetMs = 0;

  constructor(private readonly base: Clock) {}

  now(): Date {
    return new Date(this.base.now().getTime() + this.offsetMs);
  }

  advance(seconds: number): Date {
    if (!Number.isFinite(seconds) || seconds < 0) throw new RangeError('The dev clock only moves forward.');
    this.offsetMs += Math.round(seconds * 1000);
    return this.now();
  }
}
