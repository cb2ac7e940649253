# syntax=docker/dockerfile:1
# airflow-status-api: the service as a container (README, "Deploy").
#   docker build -t airflow-status-api:0.1.0 .
#   docker run --read-only -p 5555:5555 -e AIRFLOW_WEBSERVER=http://airflow-apiserver:8080 \
#     -e AIRFLOW_PASSWORD=… airflow-status-api:0.1.0
# The Node version is the LTS the project is tested on (package.json: engines and the `node` devDependency).
ARG NODE_VERSION=24.21.0

# Build: the TypeScript sources → dist/ (dist/server.js bundled by scripts/bundle.mjs). Install scripts
# are not needed here: they would only fetch the `node` devDependency's binary, which the image has.
FROM node:${NODE_VERSION}-trixie-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY nest-cli.json tsconfig.json tsconfig.build.json ./
COPY scripts/bundle.mjs scripts/
COPY src/ src/
RUN npm run build

# Production dependencies only (the bundle needs swagger-ui-dist's files on disk; the stop command
# dist/port-guard/stop.command.js imports the rest).
FROM node:${NODE_VERSION}-trixie-slim AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM node:${NODE_VERSION}-trixie-slim
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="airflow-status-api" \
      org.opencontainers.image.description="An HTTP face for Apache Airflow DAGs: status pages, JSON API, Kubernetes probes, Prometheus metrics" \
      org.opencontainers.image.source="https://github.com/airflow-status-api/airflow-status-api" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="MIT"
WORKDIR /app
# Nothing is written at run time (no cache files, logs go to stdout): the root filesystem can be read-only.
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    FLASK_PORT=5555
# A numeric user with no account (the chart runs it as the same), so that runAsNonRoot can check it.
USER 10001:10001
EXPOSE 5555
# The service stops gracefully on SIGTERM (readiness 503, listener closed, requests in flight
# answered, exit 0 within SHUTDOWN_TIMEOUT_MS). It is PID 1 safely: it handles SIGTERM and SIGINT
# itself (PID 1 gets no default signal actions) and starts no child processes, so none to reap.
STOPSIGNAL SIGTERM
# For docker and compose (Kubernetes uses the chart's probes): liveness from the process alone, with
# the fetch built into Node, so the image needs no curl.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.FLASK_PORT || 5555) + '/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# As every start: dist/main.js starts Node again, in the same process, with the service's V8 heap flags
# (src/config/node-flags.ts: 8 MB semi-spaces, old generation grown by half its live size), which keep
# RSS under mixed load ~40 MB lower, and glibc's mmap threshold at 32 kB, which keeps malloc's arenas
# from holding what they once held (BENCHMARKS.md, "Memory under mixed load").
CMD ["node", "dist/main.js"]
