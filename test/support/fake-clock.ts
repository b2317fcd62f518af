/**
 * A clock whose sleeps return at once and move its time forward, so waits on a paused host take no real time.
 * `slept` lists every wait in order.
 */
export function fakeClock(start = Date.now()) {
  let time = start;
  const slept: number[] = [];
  return {
    slept,
    now: () => time,
    sleep: async (ms: number) => {
      slept.push(ms);
      time += ms;
    },
    /** Moves the time forward without a wait. */
    advance: (ms: number) => {
      time += ms;
    },
  };
}
