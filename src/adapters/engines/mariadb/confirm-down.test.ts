import { describe, expect, it } from 'vitest';
import { confirmDown } from './confirm-down.js';
import type { TcpReachability } from './tcp-reachability.js';

/** A fake clock that the injected delay moves forward: no test sleeps. */
function run(outcomes: TcpReachability[], options: { deadlineMs?: number } = {}) {
  let now = 0;
  const attempts: number[] = [];
  const repeatLast = outcomes[outcomes.length - 1]!;
  const result = confirmDown({
    clock: { now: () => new Date(now) },
    delay: (ms) => {
      now += ms;
      return Promise.resolve();
    },
    reach: () => {
      attempts.push(now);
      return Promise.resolve(outcomes[attempts.length - 1] ?? repeatLast);
    },
    startedAt: new Date(0),
    deadlineMs: options.deadlineMs ?? 1_000,
    pollIntervalMs: 100,
    refusalsToConfirm: 3,
  });
  return { result, attempts };
}

describe('confirming an engine down', () => {
  it('takes three refusals in a row', async () => {
    const { result, attempts } = run(['accepted', 'accepted', 'refused', 'refused', 'refused']);
    expect(await result).toBe('down');
    expect(attempts).toEqual([0, 100, 200, 300, 400]);
  });

  it('starts counting again after an accepted or a silent attempt: a partition is not a stop', async () => {
    const { result, attempts } = run(['refused', 'refused', 'silent', 'refused', 'refused', 'accepted', 'refused', 'refused', 'refused']);
    expect(await result).toBe('down');
    expect(attempts.length).toBe(9);
  });

  it('gives up at the deadline: still-up when the port accepts, unreachable when it says nothing', async () => {
    expect(await run(['accepted']).result).toBe('still-up');
    expect(await run(['silent']).result).toBe('unreachable');
    const { result, attempts } = run(['refused', 'refused', 'silent'], { deadlineMs: 500 });
    expect(await result).toBe('unreachable');
    expect(attempts.at(-1)).toBe(500);
  });
});
