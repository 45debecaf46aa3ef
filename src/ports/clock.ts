/** The only source of "now" outside tests; the dev clock implements it too. */
export interface Clock {
  now(): Date;
}

/**
 * The dev clock (KEYWARD_DEV_CLOCK=1) as the edges see it: moved forward on request to try out
 * the time rules, and caught up with the offset other instances stored.
 */
export interface SettableClock extends Clock {
  refresh(): Promise<void>;
  advance(seconds: number): Promise<Date>;
}
