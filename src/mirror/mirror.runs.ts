import type { DagRun } from '../airflow/airflow.types.js';

/**
 * How the mirror keeps runs: ten per watched DAG, so 50,000 at 5,000 DAGs. A run as parsed holds its
 * four timestamps as ISO strings (48 bytes each); a KeptRun holds each as a number of microseconds
 * and writes the same text back when it is read, so a date costs a third and readers see no change.
 * Its dag id, state and run type are shared strings rather than one copy per run.
 */

/** Airflow's timestamps: UTC, 0 to 6 fraction digits, `Z` (Airflow 3) or `+00:00` (Airflow 2). */
const TIMESTAMP = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?(Z|\+00:00)$/;
/** Bits per timestamp in `KeptRun.formats`: its fraction digits (0–6) and suffix; NULL_TIME when absent. */
const FORMAT_BITS = 4;
const NULL_TIME = 15;
const PLUS = 8;

/** A run of the mirror: a DagRun whose dates are numbers until read. Immutable. */
class KeptRun implements DagRun {
  constructor(
    readonly dagId: string,
    readonly runId: string,
    readonly state: string,
    readonly note: string | null,
    readonly runType: string | null,
    /** Per timestamp (logical, run after, start, end), FORMAT_BITS saying how it was written. */
    private readonly formats: number,
    /** Microseconds since the epoch (0 when absent). */
    private readonly logical: number,
    private readonly after: number,
    private readonly start: number,
    private readonly end: number,
  ) {}

  get logicalDate(): string | null {
    return textOf(this.logical, this.formats, 0);
  }

  get runAfter(): string | null {
    return textOf(this.after, this.formats, 1);
  }

  get startDate(): string | null {
    return textOf(this.start, this.formats, 2);
  }

  get endDate(): string | null {
    return textOf(this.end, this.formats, 3);
  }

  /** Where it sorts (epoch ms): when it was due, else its logical date; 0 without either. */
  get order(): number {
    const slot = formatOf(this.formats, 1) !== NULL_TIME ? this.after : formatOf(this.formats, 0) !== NULL_TIME ? this.logical : 0;
    return Math.floor(slot / 1000);
  }

  /** Whether both runs' start, end and run-after dates read the same. */
  sameTimes(other: KeptRun): boolean {
    // Every format but the logical date's (slot 0).
    const mask = ~((1 << FORMAT_BITS) - 1);
    return (
      this.after === other.after && this.start === other.start && this.end === other.end && (this.formats & mask) === (other.formats & mask)
    );
  }

  /** Whether both runs' start and end dates read the same. */
  sameSpan(other: KeptRun): boolean {
    const mask = ((1 << (2 * FORMAT_BITS)) - 1) << (2 * FORMAT_BITS);
    return this.start === other.start && this.end === other.end && (this.formats & mask) === (other.formats & mask);
  }
}

/**
 * The run as the mirror keeps it: a KeptRun sharing `dagId` (the entry's) and the common strings,
 * or the run itself when a date is not written the way Airflow writes them (it would not read back the same).
 */
export function keep(run: DagRun, dagId: string): DagRun {
  if (run instanceof KeptRun) return run;
  const times = [run.logicalDate, run.runAfter, run.startDate, run.endDate];
  let formats = 0;
  const micros = [0, 0, 0, 0];
  for (let i = 0; i < times.length; i++) {
    const parsed = parse(times[i]);
    if (parsed === undefined) return run;
    formats |= parsed.format << (i * FORMAT_BITS);
    micros[i] = parsed.micros;
  }
  return new KeptRun(
    run.dagId === dagId ? dagId : run.dagId,
    run.runId,
    shared(run.state),
    run.note,
    run.runType === null ? null : shared(run.runType),
    formats,
    micros[0],
    micros[1],
    micros[2],
    micros[3],
  );
}

/**
 * Where a run sorts among its DAG's runs (epoch ms; newest is largest): when it was due to run
 * (`run_after`) on Airflow 3, where a manual run may have no logical date, else its logical date.
 */
export function runOrder(run: DagRun): number {
  if (run instanceof KeptRun) return run.order;
  const time = Date.parse(run.runAfter ?? run.logicalDate ?? '');
  return Number.isNaN(time) ? 0 : time;
}

/** Newest first, the way Airflow lists them (`-run_after`, `-execution_date` on Airflow 2). */
export function newestFirst(a: DagRun, b: DagRun): number {
  return runOrder(b) - runOrder(a);
}

/** Whether a run from the changes feed reads as the one kept: state, note, start, end, run after. */
export function sameRun(a: DagRun, b: DagRun): boolean {
  if (a.state !== b.state || a.note !== b.note) return false;
  if (a instanceof KeptRun && b instanceof KeptRun) return a.sameTimes(b);
  return a.startDate === b.startDate && a.endDate === b.endDate && a.runAfter === b.runAfter;
}

/** Whether two runs show the same: id, state, start, end, note. */
export function sameShownRun(a: DagRun, b: DagRun): boolean {
  if (a.runId !== b.runId || a.state !== b.state || a.note !== b.note) return false;
  if (a instanceof KeptRun && b instanceof KeptRun) return a.sameSpan(b);
  return a.startDate === b.startDate && a.endDate === b.endDate;
}

function formatOf(formats: number, slot: number): number {
  return (formats >> (slot * FORMAT_BITS)) & ((1 << FORMAT_BITS) - 1);
}

/** A timestamp's microseconds and format; undefined when it would not be written back the same. */
function parse(text: string | null): { micros: number; format: number } | undefined {
  if (text === null) return { micros: 0, format: NULL_TIME };
  const match = TIMESTAMP.exec(text);
  if (match === null) return undefined;
  const [, seconds, fraction = '', suffix] = match;
  const ms = Date.parse(`${seconds}Z`);
  if (Number.isNaN(ms)) return undefined;
  const micros = ms * 1000 + Number(fraction.padEnd(6, '0'));
  const format = fraction.length | (suffix === 'Z' ? 0 : PLUS);
  // Whatever Date.parse forgives (a 24th hour, a 31st of June) would be written back otherwise.
  return write(micros, format) === text ? { micros, format } : undefined;
}

function textOf(micros: number, formats: number, slot: number): string | null {
  const format = formatOf(formats, slot);
  return format === NULL_TIME ? null : write(micros, format);
}

function write(micros: number, format: number): string {
  const ms = Math.floor(micros / 1000);
  const seconds = new Date(ms - (((ms % 1000) + 1000) % 1000)).toISOString().slice(0, 19);
  const digits = format & (PLUS - 1);
  const fraction =
    digits === 0
      ? ''
      : `.${String(micros - Math.floor(micros / 1e6) * 1e6)
          .padStart(6, '0')
          .slice(0, digits)}`;
  return `${seconds}${fraction}${format & PLUS ? '+00:00' : 'Z'}`;
}

/** States and run types, one string each however many runs carry them; bounded, as Airflow has few. */
const SHARED = new Map<string, string>();
const MAX_SHARED = 64;

function shared(value: string): string {
  const known = SHARED.get(value);
  if (known !== undefined) return known;
  if (SHARED.size < MAX_SHARED) SHARED.set(value, value);
  return value;
}
