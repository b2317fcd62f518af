/** True while process `pid` of this machine runs; lock liveness (token, start time, lease) is holderState's. */
export { isAlive } from '#adapters/lock-liveness.ts';
