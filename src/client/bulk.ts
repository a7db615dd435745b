/**
 * Bulk writes at Dataverse's limits (reference §1, §2): the records go in chunks of `batchSize` as
 * CreateMultiple, UpdateMultiple or UpsertMultiple, or, for a table without those messages, as `$batch`
 * change sets of the same size, with the same outcomes. Chunks run in parallel at the degree Dataverse
 * recommends (`x-ms-dop-hint`, never above 52); a 429 pauses every chunk for its `Retry-After` and lowers
 * the degree. A standard table rolls a failed chunk back whole, so it is split and sent again until each
 * bad record stands alone. A chunk whose answer was lost is never sent again when it created records.
 * New chunks stop starting when the time budget would be passed; the ones under way finish, so the
 * records written are always those before `nextIndex`, and a later step resumes there.
 */
import { checkRecords, toBulkItems, type BulkItem, type BulkMessage, type BulkTable } from "./bulkRecords";
import { bulkMessageSender, changeSetSender, tally, type BulkFailure, type ChunkAnswer, type RequestTally } from "./bulkRequests";
import { type Clock, getClock } from "./wire/clock";
import { DataverseError, InputError } from "./wire/errors";
import type { DataverseClient } from "./wire/http";
import { isName } from "./wire/names";

export type { BulkMessage } from "./bulkRecords";

export const BULK_OUTCOMES = ["Created", "Updated", "Upserted", "Failed", "OutcomeUnknown", "NotStarted"] as const;
export type BulkOutcome = (typeof BULK_OUTCOMES)[number];

/** Dataverse refuses more concurrent requests than this per user (reference §2.4). */
export const MAX_PARALLELISM = 52;
export const MAX_BATCH_SIZE = 1000;

export interface BulkRecordResult {
  /** The record's position in the input, from 0. */
  index: number;
  id?: string;
  success: boolean;
  outcome: BulkOutcome;
  error?: { code: string; message: string };
}

export interface BulkResult {
  results: BulkRecordResult[];
  counts: Record<BulkOutcome, number>;
  /** Where a later step resumes; absent when every record was sent. */
  nextIndex?: number;
  requests: number;
  throttled: number;
  elapsedMs: number;
  /** The message the chunks were sent as, or `$batch` for a table without it. */
  sentAs: BulkMessage | "$batch";
}

export interface BulkRequest {
  message: BulkMessage;
  entitySetName: string;
  records: unknown[];
  startIndex: number;
  batchSize: number;
  /** Default: the `x-ms-dop-hint` Dataverse sends. */
  maxParallelism?: number;
  maxDurationMs: number;
  /** `MSCRM.BypassBusinessLogicExecution`: `CustomSync`, `CustomAsync` or both. */
  bypassBusinessLogic?: string;
  /** The inputs the request came from, which its errors name; a caller without inputs is told the request's own field. */
  labels?: BulkLabels;
}

export interface BulkLabels {
  entitySetName: string;
  records: string;
  startIndex: string;
}

const REQUEST_FIELDS: BulkLabels = { entitySetName: "entitySetName", records: "records", startIndex: "startIndex" };

const APPLIED: Record<BulkMessage, BulkOutcome> = { CreateMultiple: "Created", UpdateMultiple: "Updated", UpsertMultiple: "Upserted" };
/** Until Dataverse sends its hint. */
const DEFAULT_PARALLELISM = 4;

interface DescribedTable extends BulkTable {
  /** The bulk messages its sdkmessagefilters list. */
  messages: string[];
}

/** Remembered per environment and entity set: metadata and message support do not change between steps. */
const described = new Map<string, Promise<DescribedTable>>();

const lookUpTable = async (
  client: DataverseClient,
  entitySetName: string,
  counts: RequestTally,
  inputLabel: string,
): Promise<DescribedTable> => {
  const definitions = await client.send<{ value?: Record<string, unknown>[] }>({
    method: "GET",
    path: "EntityDefinitions",
    query: { $select: "LogicalName,PrimaryIdAttribute", $filter: `EntitySetName eq '${entitySetName}'` },
  });
  tally(counts, definitions);
  const definition = definitions.data?.value?.[0];
  const logicalName = String(definition?.LogicalName ?? "");
  const primaryIdAttribute = String(definition?.PrimaryIdAttribute ?? "");
  if (!isName(logicalName) || !isName(primaryIdAttribute)) {
    throw new InputError(
      inputLabel,
      `no table has the entity set name '${entitySetName}': pick one from the list, for example 'accounts'.`,
    );
  }
  // Reference §1.11, with the message names read through the lookup rather than filtered on it.
  const filters = await client.send<{ value?: { sdkmessageid?: { name?: unknown } }[] }>({
    method: "GET",
    path: "sdkmessagefilters",
    query: {
      $select: "sdkmessagefilterid",
      $filter: `primaryobjecttypecode eq '${logicalName}'`,
      $expand: "sdkmessageid($select=name)",
    },
  });
  tally(counts, filters);
  const names = (filters.data?.value ?? []).map((filter) => filter.sdkmessageid?.name).filter((name) => typeof name === "string");
  return { logicalName, primaryIdAttribute, messages: names.filter((name) => /Multiple$/.test(name as string)) as string[] };
};

const describeTable = (
  client: DataverseClient,
  entitySetName: string,
  counts: RequestTally,
  inputLabel: string,
): Promise<DescribedTable> => {
  const key = `${client.webApi.root}|${entitySetName.toLowerCase()}`;
  let table = described.get(key);
  if (!table) {
    table = lookUpTable(client, entitySetName, counts, inputLabel);
    described.set(key, table);
    table.catch(() => described.delete(key));
  }
  return table;
};

/** Reference §1.8: UpsertMultiple is there where both CreateMultiple and UpdateMultiple are. */
const supports = (table: DescribedTable, message: BulkMessage): boolean =>
  (message === "UpsertMultiple" ? ["CreateMultiple", "UpdateMultiple"] : [message]).every((name) => table.messages.includes(name));

const chunksOf = (items: BulkItem[], size: number): BulkItem[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, chunk) => items.slice(chunk * size, (chunk + 1) * size));

const errorOf = (failure: BulkFailure, fallback: string) => ({ code: failure.code ?? fallback, message: failure.message });

interface Chunk {
  items: BulkItem[];
  /** Not begun yet: the time budget may still hold it back. */
  fresh: boolean;
  /** The pause generation it was sent in, so one wave of 429s lowers the degree once. */
  generation: number;
}

/** The parallel loop over the chunks, with its pause, its degree and every record's outcome. */
class BulkRun {
  readonly outcomes = new Map<number, BulkRecordResult>();
  nextIndex?: number;
  private readonly queue: Chunk[];
  private inFlight = 0;
  private limit: number;
  private pausedUntil = 0;
  private generation = 0;
  private stopped = false;
  private sleeping = false;
  private readonly durations: number[] = [];

  constructor(
    chunks: BulkItem[][],
    private readonly send: (items: BulkItem[]) => Promise<ChunkAnswer>,
    private readonly message: BulkMessage,
    private readonly ceiling: () => number,
    private readonly deadline: number,
    private readonly clock: Clock,
  ) {
    this.queue = chunks.map((items) => ({ items, fresh: true, generation: 0 }));
    this.limit = ceiling();
  }

  run(): Promise<void> {
    return new Promise((resolve, reject) => {
      const pump = (): void => {
        try {
          this.startWhatMay(pump);
          if (!this.queue.length && !this.inFlight) resolve();
        } catch (error) {
          reject(error);
        }
      };
      this.onFault = reject;
      pump();
    });
  }

  private onFault: (error: unknown) => void = () => undefined;

  private average(): number {
    const recent = this.durations.slice(-20);
    return recent.length ? recent.reduce((sum, ms) => sum + ms, 0) / recent.length : 0;
  }

  private startWhatMay(pump: () => void): void {
    while (this.queue.length && this.inFlight < Math.min(this.limit, this.ceiling())) {
      const now = this.clock.now();
      if (now < this.pausedUntil) {
        if (!this.sleeping) {
          this.sleeping = true;
          this.clock.sleep(this.pausedUntil - now).then(() => {
            this.sleeping = false;
            pump();
          });
        }
        return;
      }
      const chunk = this.queue[0];
      if (chunk.fresh && (this.stopped || now + this.average() > this.deadline)) {
        this.holdBack();
        continue;
      }
      this.queue.shift();
      chunk.fresh = false;
      chunk.generation = this.generation;
      this.inFlight += 1;
      const began = now;
      this.send(chunk.items)
        .then((answer) => {
          this.inFlight -= 1;
          if (answer.kind !== "throttled") this.durations.push(this.clock.now() - began);
          this.settle(chunk, answer);
          pump();
        })
        .catch((error) => this.onFault(error));
    }
  }

  /** Every chunk not begun stays unsent; the ones under way and their follow-ups still finish. */
  private holdBack(): void {
    const held = this.queue.filter((chunk) => chunk.fresh);
    this.queue.splice(0, this.queue.length, ...this.queue.filter((chunk) => !chunk.fresh));
    this.nextIndex = held[0]?.items[0]?.index;
    for (const item of held.flatMap((chunk) => chunk.items)) {
      this.outcomes.set(item.index, { index: item.index, success: false, outcome: "NotStarted" });
    }
  }

  private record(items: BulkItem[], outcome: BulkOutcome, error?: { code: string; message: string }, ids?: (string | undefined)[]): void {
    items.forEach((item, position) => {
      const id = ids ? ids[position] : item.id;
      this.outcomes.set(item.index, { index: item.index, ...(id ? { id } : {}), success: !error, outcome, ...(error ? { error } : {}) });
    });
  }

  /** Follow-ups go first, so a chunk under way finishes before new ones begin. */
  private again(...chunks: BulkItem[][]): void {
    this.queue.unshift(...chunks.filter((items) => items.length).map((items) => ({ items, fresh: false, generation: this.generation })));
  }

  private settle(chunk: Chunk, answer: ChunkAnswer): void {
    const { items } = chunk;
    if (answer.kind === "applied") {
      this.limit = Math.min(this.limit + 1, this.ceiling());
      this.record(items, APPLIED[this.message], undefined, answer.ids);
    } else if (answer.kind === "throttled") {
      this.pausedUntil = Math.max(this.pausedUntil, this.clock.now() + answer.retryAfterMs);
      // A window limit says when to come back, and the pause honours it; fewer requests in flight would only
      // leave the window's execution time unspent. Too many at once is what the concurrency limit says.
      if (answer.concurrency && chunk.generation === this.generation) {
        this.generation += 1;
        this.limit = Math.max(1, Math.ceil(this.limit / 2));
      }
      this.again(items);
    } else if (answer.kind === "unknown") {
      this.record(items, "OutcomeUnknown", errorOf(answer.failure, "OutcomeUnknown"));
    } else if (answer.fatal || items.length === 1) {
      this.stopped ||= answer.fatal;
      this.record(items, "Failed", errorOf(answer.failure, "RequestFailed"));
    } else if (answer.position !== undefined && items[answer.position]) {
      // The answer named the failing record; the rest were rolled back with it and go again.
      this.record([items[answer.position]], "Failed", errorOf(answer.failure, "RequestFailed"));
      this.again(items.filter((_, position) => position !== answer.position));
    } else {
      // Rolled back whole without saying which record failed: halve it until the bad records stand alone.
      const half = Math.ceil(items.length / 2);
      this.again(items.slice(0, half), items.slice(half));
    }
  }
}

const headersFor = (request: BulkRequest): Record<string, string> =>
  request.bypassBusinessLogic ? { "MSCRM.BypassBusinessLogicExecution": request.bypassBusinessLogic } : {};

const countOutcomes = (results: BulkRecordResult[]): Record<BulkOutcome, number> => {
  const counts = Object.fromEntries(BULK_OUTCOMES.map((outcome) => [outcome, 0])) as Record<BulkOutcome, number>;
  results.forEach((result) => (counts[result.outcome] += 1));
  return counts;
};

/** Writes the records from `startIndex` on and reports each one's outcome, in input order. */
export const runBulk = async (client: DataverseClient, request: BulkRequest): Promise<BulkResult> => {
  // The loop's clock, so a test's pauses take no time and its budget does not depend on the machine's speed.
  const clock = getClock();
  const began = clock.now();
  const { message, entitySetName, startIndex, batchSize, labels = REQUEST_FIELDS } = request;
  const records = checkRecords(message, entitySetName, request.records, labels.records);
  if (startIndex >= records.length) {
    throw new InputError(
      labels.startIndex,
      `is ${startIndex}, but there are only ${records.length} records: give a number from 0 to ${records.length - 1}.`,
    );
  }
  const counts: RequestTally = { requests: 0, throttled: 0 };
  const table = await describeTable(client, entitySetName, counts, labels.entitySetName);
  const items = toBulkItems(message, entitySetName, table, records, startIndex, labels.records);
  const sentAs = supports(table, message) ? message : "$batch";
  const senderOptions = { message, entitySetName, headers: headersFor(request), counts };
  const sender = sentAs === "$batch" ? changeSetSender(client, senderOptions) : bulkMessageSender(client, senderOptions);
  const ceiling = () => Math.min(request.maxParallelism ?? counts.dopHint ?? DEFAULT_PARALLELISM, MAX_PARALLELISM);
  const send = async (chunk: BulkItem[]): Promise<ChunkAnswer> => {
    const answer = await sender.send(chunk);
    if (answer.kind === "throttled") counts.throttled += 1;
    return answer;
  };
  const run = new BulkRun(chunksOf(items, batchSize), send, message, ceiling, began + request.maxDurationMs, clock);
  await run.run();
  const results = items.map((item) => run.outcomes.get(item.index) as BulkRecordResult);
  if (results.some((result) => !result))
    throw new DataverseError("a bulk write ended with records unaccounted for", { method: "POST", path: entitySetName });
  return {
    results,
    counts: countOutcomes(results),
    ...(run.nextIndex === undefined ? {} : { nextIndex: run.nextIndex }),
    requests: counts.requests,
    throttled: counts.throttled,
    elapsedMs: clock.now() - began,
    sentAs,
  };
};
