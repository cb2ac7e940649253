/** A label value as the text format (and prom-client) escapes it: backslash, newline, double quote. */
export function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/** What a family is called and says. */
interface Family {
  name: string;
  help: string;
}

/** One label set: its counts, and its lines' beginnings, made once. */
interface Series {
  count: number;
  sum: number;
  /** Observations per bucket (not cumulative); one beyond the last bound goes in none. */
  readonly buckets: number[];
  readonly counterLine: string;
  /** `…_bucket{le="…",labels} ` per bound, then +Inf; then `…_sum{labels} ` and `…_count{labels} `. */
  readonly histogramLines: readonly string[];
}

/**
 * A counter and a duration histogram over the same labels, counted together (every observation
 * counts one), written as prom-client writes a Counter and a Histogram: the same lines. Kept apart
 * from its registry because prom-client formats every line's labels anew at each scrape (about
 * 1 kB of garbage per line, 17 lines per label set of a histogram): under a load that scrapes
 * /metrics often that was most of the heap's churn (BENCHMARKS.md, "Memory under mixed load").
 * Here each label set's lines are formatted once, and a scrape writes numbers.
 */
export class TimedSeries {
  private readonly series = new Map<string, Series>();

  constructor(
    private readonly counter: Family,
    private readonly histogram: Family,
    private readonly labelNames: readonly string[],
    private readonly bounds: readonly number[],
  ) {}

  /** One observation of `seconds` for the label values (in the order of the label names). */
  record(values: readonly string[], seconds: number): void {
    // As prom-client's: a value that is not a finite number is a programming error.
    if (!Number.isFinite(seconds)) throw new TypeError(`Value is not a valid number: ${seconds}`);
    const key = values.join('\0');
    let series = this.series.get(key);
    if (series === undefined) this.series.set(key, (series = this.newSeries(values)));
    series.count += 1;
    series.sum += seconds;
    for (let i = 0; i < this.bounds.length; i++) {
      if (seconds <= this.bounds[i]) {
        series.buckets[i] += 1;
        break;
      }
    }
  }

  /** The two families in Prometheus's text format, separated by a blank line, without a final newline. */
  text(): string {
    const counter = [`# HELP ${this.counter.name} ${this.counter.help}`, `# TYPE ${this.counter.name} counter`];
    const histogram = [`# HELP ${this.histogram.name} ${this.histogram.help}`, `# TYPE ${this.histogram.name} histogram`];
    for (const series of this.series.values()) {
      counter.push(series.counterLine + series.count);
      const lines = series.histogramLines;
      let cumulative = 0;
      for (let i = 0; i < series.buckets.length; i++) histogram.push(lines[i] + (cumulative += series.buckets[i]));
      const last = series.buckets.length;
      histogram.push(lines[last] + series.count, lines[last + 1] + series.sum, lines[last + 2] + series.count);
    }
    return `${counter.join('\n')}\n\n${histogram.join('\n')}`;
  }

  private newSeries(values: readonly string[]): Series {
    const labels = this.labelNames.map((name, i) => `${name}="${escapeLabel(values[i])}"`).join(',');
    const { name } = this.histogram;
    return {
      count: 0,
      sum: 0,
      buckets: this.bounds.map(() => 0),
      counterLine: `${this.counter.name}{${labels}} `,
      histogramLines: [
        ...[...this.bounds, '+Inf'].map((bound) => `${name}_bucket{le="${bound}",${labels}} `),
        `${name}_sum{${labels}} `,
        `${name}_count{${labels}} `,
      ],
    };
  }
}
