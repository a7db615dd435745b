/** Runs the bulk benchmark alone: `npx ts-node --transpile-only bench/runBulk.ts`. */
import { bulkBench } from "./bulk";

bulkBench()
  .then((rows) => {
    for (const row of rows) console.log(`${row.name.padEnd(48)} ${String(row.value).padStart(10)} ${row.unit ?? ""}`);
  })
  .catch((error: Error) => {
    console.error(error);
    process.exit(1);
  });
