/** Time as the request loop sees it: how long a request has taken, and the pauses between attempts. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

let current: Clock = systemClock;

/** The clock every request uses. Actions run through spectral's harness take no options, so tests install theirs here. */
export const getClock = (): Clock => current;

export const setClock = (clock: Clock): void => {
  current = clock;
};

export const resetClock = (): void => {
  current = systemClock;
};
