/**
 * Bundle size and cold `require`: our dist/index.js against the yardstick (spectral +
 * dynamics-web-api) built with the same webpack configuration. Cold require is timed inside
 * a fresh Node process, so Node's own start-up is left out.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import webpack, { type Configuration } from "webpack";
import { median } from "./measure";

const ROOT = join(__dirname, "..");

export const buildYardstick = async (): Promise<{ file: string; cleanUp: () => void }> => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ours = require(join(ROOT, "webpack.config.js")) as Configuration;
  const outputPath = mkdtempSync(join(tmpdir(), "yardstick-"));
  const config: Configuration = {
    ...ours,
    entry: join(__dirname, "yardstick", "index.ts"),
    output: { ...ours.output, path: outputPath },
    plugins: [],
  };
  await new Promise<void>((resolve, reject) =>
    webpack(config, (error, stats) => {
      if (error || stats?.hasErrors()) reject(error ?? new Error(stats?.toString("errors-only")));
      else resolve();
    }),
  );
  return { file: join(outputPath, "index.js"), cleanUp: () => rmSync(outputPath, { recursive: true, force: true }) };
};

const TIME_REQUIRE =
  "const t=process.hrtime.bigint();require(process.argv[1]);process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))";

const requireOnceMs = (file: string): number => Number(execFileSync(process.execPath, ["-e", TIME_REQUIRE, file], { encoding: "utf8" }));

/** Each bundle's size, and the median of its cold requires, taken in turns so both see the same machine. */
export const bundleFigures = (files: string[], requireRuns: number): Record<string, number>[] => {
  const times: number[][] = files.map(() => []);
  for (let run = 0; run < requireRuns + 1; run += 1) {
    // The first round only warms the file cache.
    files.forEach((file, index) => (run ? times[index].push(requireOnceMs(file)) : requireOnceMs(file)));
  }
  return files.map((file, index) => {
    const bytes = readFileSync(file);
    return { bytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length, coldRequireMs: median(times[index]) };
  });
};

export const OUR_BUNDLE = join(ROOT, "dist", "index.js");
