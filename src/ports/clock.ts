/** The only source of "now" outside tests; the dev clock implements it too. */
export interface Clock {
  now(): Date;
}
