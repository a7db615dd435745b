/** Timing helpers: medians after a warm-up, CPU time of this process, peak heap while a run lasts. */
import { cpus, loadavg } from "node:os";

export interface Sample {
  wallMs: number;
  /** CPU time of this process (user + system): the client's own work, as every server runs in another process. */
  cpuMs: number;
}

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

export const timed = async <T>(run: () => Promise<T>): Promise<{ sample: Sample; result: T }> => {
  const cpuStart = process.cpuUsage();
  const wallStart = process.hrtime.bigint();
  const result = await run();
  const wallMs = Number(process.hrtime.bigint() - wallStart) / 1e6;
  const cpu = process.cpuUsage(cpuStart);
  return { sample: { wallMs, cpuMs: (cpu.user + cpu.system) / 1000 }, result };
};

/**
 * Medians of wall and CPU time for each of `work`, their runs taken in turns after each has run `warmup` times,
 * so that neither client is measured in a process the other has warmed up for it (compiled code, heap size).
 */
export const mediansInTurns = async (warmup: number, runs: number, work: (() => Promise<unknown>)[]): Promise<Sample[]> => {
  for (let index = 0; index < warmup; index += 1) for (const run of work) await run();
  const samples: Sample[][] = work.map(() => []);
  for (let index = 0; index < runs; index += 1) {
    for (const [which, run] of work.entries()) samples[which].push((await timed(run)).sample);
  }
  return samples.map((taken) => ({
    wallMs: median(taken.map((sample) => sample.wallMs)),
    cpuMs: median(taken.map((sample) => sample.cpuMs)),
  }));
};

const collectGarbage = (): void => (globalThis as { gc?: () => void }).gc?.();

/** The highest heap use seen while `run` lasts, sampled every few milliseconds, starting from a collected heap. */
export const withPeakHeap = async <T>(run: () => Promise<T>): Promise<{ result: T; peakHeapMb: number }> => {
  collectGarbage();
  let peak = process.memoryUsage().heapUsed;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }, 5);
  try {
    const result = await run();
    peak = Math.max(peak, process.memoryUsage().heapUsed);
    return { result, peakHeapMb: peak / 2 ** 20 };
  } finally {
    clearInterval(timer);
  }
};

/** The machine, with its load average (1, 5 and 15 minutes) as the run began: other work on it slows every figure. */
export const machine = () => ({
  cores: cpus().length,
  loadAverage: loadavg().map((load) => Number(load.toFixed(2))),
  cpu: cpus()[0]?.model ?? "unknown",
  node: process.version,
  platform: process.platform,
});
