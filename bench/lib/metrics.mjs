// The service's Prometheus text (/metrics), read as {name, labels, value} samples.

/** Every sample of the service's /metrics. */
export async function scrape(base) {
  const text = await (await fetch(`${base}/metrics`)).text();
  const samples = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m) samples.push({ name: m[1], labels: m[2] ?? '', value: Number(m[3]) });
  }
  return samples;
}

/** The sum of the samples named `name` whose labels contain `labelText` (every one when omitted). */
export const sumOf = (samples, name, labelText = '') =>
  samples.filter((s) => s.name === name && s.labels.includes(labelText)).reduce((a, s) => a + s.value, 0);

/** The mirror's syncs so far: how many worked, and their total time in seconds (the duration histogram's sum). */
export function syncFigures(samples) {
  return {
    ok: sumOf(samples, 'airflow_status_mirror_syncs_total', 'outcome="ok"'),
    all: sumOf(samples, 'airflow_status_mirror_syncs_total'),
    seconds: sumOf(samples, 'airflow_status_mirror_sync_duration_seconds_sum'),
    count: sumOf(samples, 'airflow_status_mirror_sync_duration_seconds_count'),
    pages: sumOf(samples, 'airflow_status_mirror_change_pages_total'),
  };
}

/** Syncs between two syncFigures: how many, how many worked, their mean duration (ms) and the pages they read. */
export function syncsBetween(before, after) {
  const count = after.count - before.count;
  return {
    syncs: after.all - before.all,
    ok: after.ok - before.ok,
    meanMs: count > 0 ? ((after.seconds - before.seconds) / count) * 1000 : null,
    pages: after.pages - before.pages,
  };
}
