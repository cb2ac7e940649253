import type { DagRun } from '../airflow/airflow.types.js';

/**
 * How the mirror keeps runs: ten per watched DAG, so 50,000 at 5,000 DAGs. A run as parsed holds its
 * four timestamps and its id as strings (48 and 56 bytes); a KeptRun holds each timestamp as two
 * small integers (no string, no boxed number) and, when the id is what Airflow makes of a run's type
 * and date (`scheduled__2026-12-03T09:00:00+00:00`), no id at all: it writes the same text back when
 * read, so readers see no change, at about 40 % of the memory. Its dag id is the entry's string, its
 * state and run type shared ones.
 */

/** Airflow's timestamps: UTC, 0 to 6 fraction digits, `Z` (Airflow 3) or `+00:00` (Airflow 2). */
const TIMESTAMP = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?(Z|\+00:00)$/;
/** Bits per timestamp in `KeptRun.formats`: its fraction digits (0–6) and suffix; NULL_TIME when absent. */
const FORMAT_BITS = 4;
const NULL_TIME = 15;
const PLUS = 8;
/** Above the four timestamps' formats: which timestamp the run id is made of, if one is. */
const ID_FROM_LOGICAL = 1 << 16;
const ID_FROM_RUN_AFTER = 2 << 16;
/** Each timestamp is kept as its minute since the epoch and its microsecond within it: both fit a V8 small integer. */
const MINUTE_US = 60_000_000;

/** A run of the mirror: a DagRun whose dates (and id) are numbers until read. Immutable. */
class KeptRun implements DagRun {
  constructor(
    readonly dagId: string,
    /** Null when it is made of its run type and a timestamp (ID_FROM_*). */
    private readonly id: string | null,
    readonly state: string,
    readonly note: string | null,
    readonly runType: string | null,
    /** Per timestamp (logical, run after, start, end), FORMAT_BITS saying how it was written; and ID_FROM_*. */
    private readonly formats: number,
    private readonly logicalMinute: number,
    private readonly logicalMicro: number,
    private readonly afterMinute: number,
    private readonly afterMicro: number,
    private readonly startMinute: number,
    private readonly startMicro: number,
    private readonly endMinute: number,
    private readonly endMicro: number,
  ) {}

  get runId(): string {
    if (this.id !== null) return this.id;
    const micros = this.formats & ID_FROM_LOGICAL ? this.micros(0) : this.micros(1);
    return `${this.runType}__${pythonIso(micros)}`;
  }

  get logicalDate(): string | null {
    return this.text(0);
  }

  get runAfter(): string | null {
    return this.text(1);
  }

  get startDate(): string | null {
    return this.text(2);
  }

  get endDate(): string | null {
    return this.text(3);
  }

  /** Where it sorts (epoch ms): when it was due, else its logical date; 0 without either. */
  get order(): number {
    const slot = formatOf(this.formats, 1) !== NULL_TIME ? 1 : formatOf(this.formats, 0) !== NULL_TIME ? 0 : -1;
    return slot < 0 ? 0 : Math.floor(this.micros(slot) / 1000);
  }

  /** Whether both runs' run-after, start and end dates read the same. */
  sameTimes(other: KeptRun): boolean {
    return this.sameTime(other, 1) && this.sameTime(other, 2) && this.sameTime(other, 3);
  }

  /** Whether both runs' start and end dates read the same. */
  sameSpan(other: KeptRun): boolean {
    return this.sameTime(other, 2) && this.sameTime(other, 3);
  }

  private sameTime(other: KeptRun, slot: number): boolean {
    return formatOf(this.formats, slot) === formatOf(other.formats, slot) && this.micros(slot) === other.micros(slot);
  }

  private text(slot: number): string | null {
    const format = formatOf(this.formats, slot);
    return format === NULL_TIME ? null : write(this.micros(slot), format);
  }

  /** Microseconds since the epoch of a timestamp (0 when absent). */
  private micros(slot: number): number {
    switch (slot) {
      case 0:
        return this.logicalMinute * MINUTE_US + this.logicalMicro;
      case 1:
        return this.afterMinute * MINUTE_US + this.afterMicro;
      case 2:
        return this.startMinute * MINUTE_US + this.startMicro;
      default:
        return this.endMinute * MINUTE_US + this.endMicro;
    }
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
  // Airflow names a run after its type and its logical date, or when it was due when it has none.
  let id: string | null = run.runId;
  if (run.runType !== null && run.logicalDate !== null && run.runId === `${run.runType}__${pythonIso(micros[0])}`) {
    id = null;
    formats |= ID_FROM_LOGICAL;
  } else if (run.runType !== null && run.runAfter !== null && run.runId === `${run.runType}__${pythonIso(micros[1])}`) {
    id = null;
    formats |= ID_FROM_RUN_AFTER;
  }
  const minute = (us: number): number => Math.floor(us / MINUTE_US);
  const micro = (us: number): number => us - minute(us) * MINUTE_US;
  return new KeptRun(
    run.dagId === dagId ? dagId : run.dagId,
    id,
    shared(run.state),
    run.note,
    run.runType === null ? null : shared(run.runType),
    formats,
    minute(micros[0]),
    micro(micros[0]),
    minute(micros[1]),
    micro(micros[1]),
    minute(micros[2]),
    micro(micros[2]),
    minute(micros[3]),
    micro(micros[3]),
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

/**
 * An Airflow timestamp as microseconds since the epoch (an exact integer in a double until the year 2255); NaN
 * for none, or for a text that is no time.
 */
export function timestampMicros(text: string | null): number {
  if (text === null) return NaN;
  const parsed = parse(text);
  return parsed !== undefined ? parsed.micros : Date.parse(text) * 1000;
}

/** The run id Airflow makes of a run's type and a timestamp (microseconds): `scheduled__2026-12-03T09:00:00+00:00`. */
export function madeRunId(runType: string, micros: number): string {
  return `${runType}__${pythonIso(micros)}`;
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

/** A timestamp as Python's isoformat() writes it, as in Airflow's run ids: `+00:00`, microseconds unless 0. */
function pythonIso(micros: number): string {
  return write(micros, micros % 1_000_000 === 0 ? PLUS : PLUS | 6);
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
