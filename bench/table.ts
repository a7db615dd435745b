/** The benchmark's one table, as Markdown, so the README can hold it as printed. */
export interface Row {
  figure: string;
  unit: string;
  ours: number;
  theirs: number;
  /** Whether ours ÷ theirs means something (not for counts). */
  compare: boolean;
}

const format = (value: number, unit: string): string => {
  if (!Number.isFinite(value)) return "–";
  const digits = unit === "B" || Number.isInteger(value) || Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  const text = value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return unit ? `${text} ${unit}` : text;
};

const ratio = (row: Row): string => (row.compare && row.theirs > 0 ? (row.ours / row.theirs).toFixed(2) : "");

export const tableOf = (rows: Row[]): string =>
  [
    "| figure | ours | dynamics-web-api | ours ÷ theirs |",
    "|---|---:|---:|---:|",
    ...rows.map((row) => `| ${row.figure} | ${format(row.ours, row.unit)} | ${format(row.theirs, row.unit)} | ${ratio(row)} |`),
  ].join("\n");
