/**
 * `$apply` on an entity set (reference §1.5): transformations separated by `/`, each one of
 * `filter(<expression>)`, `aggregate(<column> with sum|avg|min|max|countdistinct as <alias>, $count as <alias>)`
 * and `groupby((<column>,…))`, optionally `groupby((…),aggregate(…))`. Groups come back
 * ordered by their columns. Anything else is answered with a 400, never ignored.
 * [emu] The wording of that 400 is the emulator's own.
 */
import { badRequest, unknownProperty } from "./faults";
import { compareValues } from "./filter";
import { filterFor, recordProperties, splitTopLevel } from "./odata";
import type { TableDefinition } from "./schema";
import type { Store, StoredRecord } from "./store";

type Method = "sum" | "avg" | "min" | "max" | "countdistinct";

interface Aggregate {
  /** Undefined for `$count`. */
  column?: string;
  method: Method | "count";
  alias: string;
}

const notImplemented = (text: string): Error =>
  badRequest(
    `The $apply transformation '${text}' is not supported: use filter(...), aggregate(<column> with sum|avg|min|max|countdistinct as <alias>) or groupby((<columns>),aggregate(...)).`,
  );

/** `name(inner)` read into its name and inner text. */
const call = (text: string): { name: string; inner: string } | undefined => {
  const match = /^([a-z]+)\((.*)\)$/s.exec(text.trim());
  return match ? { name: match[1], inner: match[2] } : undefined;
};

const parseAggregates = (text: string, table: TableDefinition): Aggregate[] => {
  const known = recordProperties(table);
  return splitTopLevel(text, ",").map((item) => {
    const count = /^\$count\s+as\s+([A-Za-z_][A-Za-z0-9_]*)$/.exec(item);
    if (count) return { method: "count", alias: count[1] };
    const match = /^([A-Za-z_][A-Za-z0-9_]*)\s+with\s+(sum|avg|min|max|countdistinct)\s+as\s+([A-Za-z_][A-Za-z0-9_]*)$/.exec(item);
    if (!match) throw notImplemented(`aggregate(${text})`);
    if (!known.has(match[1])) throw unknownProperty(match[1], table.logicalName);
    return { column: match[1], method: match[2] as Method, alias: match[3] };
  });
};

const aggregateOf = (rows: StoredRecord[], aggregate: Aggregate): unknown => {
  if (aggregate.method === "count") return rows.length;
  const values = rows.map((row) => row[aggregate.column as string]).filter((value) => value !== null && value !== undefined);
  if (aggregate.method === "countdistinct") return new Set(values.map((value) => String(value).toLowerCase())).size;
  if (aggregate.method === "sum") return values.reduce((total: number, value) => total + Number(value), 0);
  if (!values.length) return null;
  if (aggregate.method === "avg") return values.reduce((total: number, value) => total + Number(value), 0) / values.length;
  const sorted = [...values].sort(compareValues);
  return aggregate.method === "min" ? sorted[0] : sorted[sorted.length - 1];
};

const aggregateRow = (rows: StoredRecord[], aggregates: Aggregate[]): StoredRecord =>
  Object.fromEntries(aggregates.map((aggregate) => [aggregate.alias, aggregateOf(rows, aggregate)]));

const groupBy = (rows: StoredRecord[], inner: string, table: TableDefinition): StoredRecord[] => {
  const [columnsText, ...rest] = splitTopLevel(inner, ",");
  const columns = /^\((.*)\)$/
    .exec(columnsText)?.[1]
    ?.split(",")
    .map((name) => name.trim());
  if (!columns?.length || rest.length > 1) throw notImplemented(`groupby(${inner})`);
  const known = recordProperties(table);
  const unknown = columns.find((name) => !known.has(name));
  if (unknown) throw unknownProperty(unknown, table.logicalName);
  const then = rest[0] ? call(rest[0]) : undefined;
  if (rest[0] && then?.name !== "aggregate") throw notImplemented(`groupby(${inner})`);
  const aggregates = then ? parseAggregates(then.inner, table) : [];
  const groups = new Map<string, StoredRecord[]>();
  for (const row of rows) {
    const key = JSON.stringify(columns.map((name) => row[name] ?? null));
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  return [...groups.values()]
    .map((members) => ({
      ...Object.fromEntries(columns.map((name) => [name, members[0][name] ?? null])),
      ...aggregateRow(members, aggregates),
    }))
    .sort((a, b) => columns.reduce((result, name) => result || compareValues(a[name], b[name]), 0));
};

/** The collection body for a query with `$apply`. */
export const applyQuery = (table: TableDefinition, apply: string, store: Store, contextUrl: string): StoredRecord => {
  let rows = store.list(table);
  let shaped = false;
  for (const step of splitTopLevel(apply, "/")) {
    const transformation = call(step);
    if (shaped || !transformation) throw notImplemented(step);
    if (transformation.name === "filter") {
      rows = rows.filter(filterFor(transformation.inner, table));
    } else if (transformation.name === "aggregate") {
      rows = [aggregateRow(rows, parseAggregates(transformation.inner, table))];
      shaped = true;
    } else if (transformation.name === "groupby") {
      rows = groupBy(rows, transformation.inner, table);
      shaped = true;
    } else {
      throw notImplemented(step);
    }
  }
  return { "@odata.context": contextUrl, value: rows };
};
