-- Aerie — wrk scenario: view one seeded record by random id
-- SPDX-License-Identifier: MIT
-- Usage: wrk -s view.lua http://127.0.0.1:PORT -- ids.txt
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(dir .. "common.lua")

local ids

setup = common.setup
done = common.done

function init(args)
  common.seed_random()
  ids = common.load_ids(args[1])
end

function request()
  local id = ids[math.random(#ids)]
  return wrk.format("GET", "/api/collections/posts/records/" .. id)
end
