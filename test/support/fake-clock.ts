import type { Clock } from '../../src/ports/clock.js';

/** The one clock tests move by hand: time rules are tested by advancing it, never by sleeping. */
export class FakeClock implements Clock {
  #ms: number;
  /** How often it was read, for tests that care which clock a time came from. */
  reads = 0;

  constructor(start: string | Date = '2024-06-01T12:00:00.000Z') {
    this.#ms = new Date(start).getTime();
  }

  now(): Date {
    this.reads += 1;
    return new Date(this.#ms);
  }

  advance(ms: number): void {
    this.#ms += ms;
  }

  set(time: string | Date): void {
    this.#ms = new Date(time).getTime();
  }
}
