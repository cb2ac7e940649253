-- wrk script of bench/scenarios/fairness.mjs: each request asks /runs of a random DAG of FAIR_DAGS (comma list)
-- with a random limit from 1 to 100; done() prints one line, FAIRJSON {...}, with the counts.
local dags = {}
for dag in string.gmatch(os.getenv("FAIR_DAGS") or "Airflow_Lab2", "[^,]+") do
  table.insert(dags, dag)
end

init = function()
  math.randomseed(os.time())
end

request = function()
  return wrk.format("GET", "/api/dags/" .. dags[math.random(#dags)] .. "/runs?limit=" .. math.random(100))
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('FAIRJSON {"requests":%d,"duration_us":%d,"non2xx":%d,"socket_errors":%d,"p99_us":%d}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout, latency:percentile(99)))
end
