-- Aerie — wrk scenario: PATCH views on a random seeded record
-- SPDX-License-Identifier: MIT
-- Usage: wrk -s update.lua http://127.0.0.1:PORT -- ids.txt
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(dir .. "common.lua")

local ids
local headers = { ["Content-Type"] = "application/json" }

setup = common.setup
done = common.done

function init(args)
  common.seed_random()
  ids = common.load_ids(args[1])
end

function request()
  local id = ids[math.random(#ids)]
  return wrk.format("PATCH", "/api/collections/posts/records/" .. id, headers,
    '{"views":' .. math.random(0, 1000000) .. '}')
end
