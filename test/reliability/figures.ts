/**
 * What each reliability suite measured in its last run, one JSON file per suite under
 * test/reliability/figures/ (git-ignored), for the README's Reliability section.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const FIGURES_DIR = join(__dirname, "figures");

export const recordFigures = (suite: string, figures: Record<string, unknown>): void => {
  mkdirSync(FIGURES_DIR, { recursive: true });
  const text = JSON.stringify({ suite, measuredAt: new Date().toISOString(), ...figures }, null, 2);
  writeFileSync(join(FIGURES_DIR, `${suite}.json`), `${text}\n`);
};
