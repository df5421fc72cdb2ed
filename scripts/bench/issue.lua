-- wrk script for bench:service: every request issues a new serial; non-201 answers are counted.
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  token = args[1]
  prefix = args[2]
  errors = 0
  n = 0
end

function request()
  n = n + 1
  local body = string.format(
    '{"serial":"%sT%dX%d","reference":"441.NX.1170.RX","model":"Big Bang Unico 42 mm","caseMaterial":"King Gold","calibre":"HUB1280","manufacturedOn":"2026-03-02"}',
    prefix, id, n)
  return wrk.format("POST", "/api/v1/certificates",
    { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }, body)
end

function response(status, headers, body)
  if status ~= 201 then errors = errors + 1 end
end

function done(summary, latency, requests)
  local e = 0
  for _, t in ipairs(threads) do e = e + t:get("errors") end
  io.write(string.format("RESULT %d %d %.6f %.3f %.3f %.3f\n", summary.requests, e,
    summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000))
end
