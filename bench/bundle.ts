/**
 * Bundle size and cold `require`: our dist/index.js against the yardstick (spectral +
 * dynamics-web-api) built with the same webpack configuration. Cold require is timed inside
 * a fresh Node process, so Node's own start-up is left out.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import webpack, { type Configuration } from "webpack";
import { median } from "./measure";

const ROOT = join(__dirname, "..");

const compile = (config: Configuration): Promise<void> =>
  new Promise<void>((resolve, reject) =>
    webpack(config, (error, stats) => {
      if (error || stats?.hasErrors()) reject(error ?? new Error(stats?.toString("errors-only")));
      else resolve();
    }),
  );

const filesUnder = (path: string): string[] =>
  statSync(path).isDirectory() ? readdirSync(path).flatMap((name) => filesUnder(join(path, name))) : [path];

/** What a bundle is built from besides its entry: the configuration, its shims and the exact dependencies. */
const BUILD_INPUTS = ["webpack.config.js", "webpack", "package-lock.json", "tsconfig.json"].map((name) => join(ROOT, name));

const ourConfig = (): Configuration => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(join(ROOT, "webpack.config.js")) as Configuration;
};

export const OUR_BUNDLE = join(ROOT, "dist", "index.js");

/** Builds dist/index.js as `npm run build` does, unless it is newer than everything it is built from. */
export const ensureBuilt = async (): Promise<void> => {
  const sources = [join(ROOT, "src"), ...BUILD_INPUTS].flatMap(filesUnder);
  const newest = Math.max(...sources.map((file) => statSync(file).mtimeMs));
  if (existsSync(OUR_BUNDLE) && statSync(OUR_BUNDLE).mtimeMs > newest) return;
  process.chdir(ROOT);
  await compile(ourConfig());
};

/**
 * The yardstick, built with our configuration; kept in node_modules/.cache under a hash of
 * what it is built from, so only the first run after a change pays for the build.
 */
export const buildYardstick = async (): Promise<string> => {
  const entry = join(__dirname, "yardstick", "index.ts");
  const hash = createHash("sha256");
  for (const file of [entry, ...BUILD_INPUTS.flatMap(filesUnder)]) hash.update(readFileSync(file));
  const outputPath = join(ROOT, "node_modules", ".cache", "bench-yardstick", hash.digest("hex").slice(0, 16));
  const file = join(outputPath, "index.js");
  if (existsSync(file)) return file;
  const ours = ourConfig();
  await compile({ ...ours, entry, output: { ...ours.output, path: outputPath }, plugins: [] });
  return file;
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
