// The service's other routes, one after the other: the probe, the redirect and the HTML page.
import { measure } from '../lib/measure.mjs';
import { want } from '../lib/settings.mjs';

const ROUTES = [
  { id: 'live', label: 'service /health/live', path: '/health/live', expect: 200 },
  { id: 'root', label: 'service / (redirect)', path: '/', expect: 302 },
  { id: 'success', label: 'service /success (HTML page)', path: '/success', expect: 200 },
];

export async function measureRoutes({ service, airflow }) {
  const rows = [];
  for (const route of ROUTES.filter((r) => want(r.id))) {
    rows.push(
      await measure(airflow, {
        id: route.id,
        label: route.label,
        url: `${service.base}${route.path}`,
        expect: route.expect,
        pid: service.child.pid,
        client: service.client,
      }),
    );
  }
  return { rows };
}
