-- wrk script for the mixed-load memory row (bench/scenarios/mixed.mjs): each connection walks every
-- route of the service in turn, good and bad, so that one run exercises the Nest routes, the fast
-- lane, the error filter, Swagger's document and the metrics registry together. Reports through
-- bench/wrk-report.lua (its path in BENCH_WRK_REPORT, set by bench/load.mjs).
local dag = "Airflow_Lab2"
local json = { ["Accept"] = "application/json" }
local routes = {
  { "/" },
  { "/success" },
  { "/failure" },
  { "/success", json },
  { "/api/dags/" .. dag .. "/status" },
  { "/api/dags/" .. dag .. "/runs" },
  { "/api/dags/" .. dag .. "/runs?limit=100" },
  { "/api/dags/" .. dag .. "/runs?limit=abc" },
  { "/api/dags/not%20a%20dag!/status" },
  { "/api/dags/Some_Other_Dag/status" },
  { "/metrics" },
  { "/docs-json" },
  { "/health/live" },
  { "/health/ready" },
  { "/no/such/route" },
}

local i = 0
request = function()
  i = i + 1
  local route = routes[(i % #routes) + 1]
  return wrk.format("GET", route[1], route[2])
end

dofile(os.getenv("BENCH_WRK_REPORT"))
