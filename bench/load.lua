-- wrk script: cycle through "path<TAB>cookie<TAB>hx" lines of $BENCH_TARGETS; report JSON.
local targets = {}
local idx = 0

function init(args)
  local file = io.open(os.getenv("BENCH_TARGETS"), "r")
  for line in file:lines() do
    local path, cookie, hx = line:match("^([^\t]*)\t([^\t]*)\t?(.*)$")
    table.insert(targets, {path, cookie, hx})
  end
  file:close()
  math.randomseed(os.time() + (tonumber(tostring(args):match("0x(%x+)"), 16) or 0))
  idx = math.random(#targets)
end

function request()
  idx = idx % #targets + 1
  local t = targets[idx]
  local headers = {}
  if t[2] ~= "" then headers["Cookie"] = t[2] end
  if t[3] == "hx" then headers["HX-Request"] = "true" end
  return wrk.format("GET", t[1], headers)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\nBENCH {"requests": %d, "duration_us": %d, "socket_errors": %d, "non2xx": %d, ' ..
    '"p50_us": %d, "p95_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
