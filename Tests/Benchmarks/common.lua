-- Aerie — shared wrk helpers: per-thread seeding, id loading and the machine-readable summary line
-- SPDX-License-Identifier: MIT
--
-- Loaded with dofile() by the scenario scripts. wrk runs one Lua state per thread plus one for
-- setup()/done(); every state loads the scenario script, so each defines the same globals.

local M = {}

local next_tid = 0

-- Runs in the main state once per thread, before that thread's init(): gives each thread a
-- distinct, reproducible random seed.
function M.setup(thread)
  next_tid = next_tid + 1
  thread:set("tid", next_tid)
end

function M.seed_random()
  math.randomseed(1000 + (tid or 0))
  -- LuaJIT's first values after seeding are poorly mixed; discard a few.
  for _ = 1, 10 do math.random() end
end

-- Reads one id per line; errors out (wrk exits non-zero) on an empty or missing file.
function M.load_ids(path)
  assert(path, "pass the ids file after the URL: wrk ... URL -- ids.txt")
  local f = assert(io.open(path, "r"))
  local ids = {}
  for line in f:lines() do
    if #line > 0 then ids[#ids + 1] = line end
  end
  f:close()
  assert(#ids > 0, "no ids in " .. path)
  return ids
end

-- One line that run.sh parses instead of wrk's human-readable text. Latencies in microseconds.
-- status_errors counts responses with status > 399 (wrk's own "Non-2xx or 3xx" counter).
function M.done(summary, latency, requests)
  local e = summary.errors
  local secs = summary.duration / 1e6
  io.write(string.format(
    "BENCH requests=%d duration_us=%d rps=%.2f p50_us=%d p90_us=%d p99_us=%d max_us=%d "
      .. "status_errors=%d connect_errors=%d read_errors=%d write_errors=%d timeouts=%d\n",
    summary.requests, summary.duration, summary.requests / secs,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.status, e.connect, e.read, e.write, e.timeout))
end

return M
