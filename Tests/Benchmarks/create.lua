-- Aerie — wrk scenario: create a record with a unique title per request
-- SPDX-License-Identifier: MIT
-- Usage: wrk -s create.lua http://127.0.0.1:PORT
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(dir .. "common.lua")

local counter = 0
local headers = { ["Content-Type"] = "application/json" }
local tags = { '[]', '["a"]', '["b"]', '["a","b"]', '["c"]', '["a","c"]', '["b","c"]', '["a","b","c"]' }

setup = common.setup
done = common.done

function init(args)
  common.seed_random()
end

function request()
  counter = counter + 1
  local n = counter
  -- Same shape and size as a seeded record (bench.py record_for), so create cost is comparable.
  local body = string.format(
    '{"title":"wrk %d-%d","body":"<p>Body of wrk post %d. Lorem ipsum dolor sit amet, consectetur '
      .. 'adipiscing elit. Lorem ipsum dolor sit amet, consectetur adipiscing elit. Lorem ipsum dolor '
      .. 'sit amet, consectetur adipiscing elit. </p><p>Section %d.</p>","views":%d,"published":%s,'
      .. '"tags":%s,"meta":{"n":%d,"group":"g%d","score":%.1f}}',
    tid or 0, n, n, n % 97, (n * 37) % 10007, (n % 3 ~= 0) and "true" or "false",
    tags[n % 8 + 1], n, n % 10, ((n * 7919) % 1000) / 10)
  return wrk.format("POST", "/api/collections/posts/records", headers, body)
end
