-- Aerie — wrk scenario: a filtered list (range on an indexed number plus a bool), like PocketBase SDK apps send
-- SPDX-License-Identifier: MIT
-- Usage: wrk -s filter.lua http://127.0.0.1:PORT
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(dir .. "common.lua")

setup = common.setup
done = common.done

function init(args)
  common.seed_random()
end

function request()
  -- views are N*37 % 10007 for the seeded rows: a random 1,000-wide window holds about 1,000 rows,
  -- of which about two thirds are published; the response carries 20 of them plus the exact total.
  local low = math.random(0, 9000)
  -- views >= low && views < low+1000 && published = true, percent-encoded
  local filter = string.format("views%%3E%%3D%d%%26%%26views%%3C%d%%26%%26published%%3Dtrue", low, low + 1000)
  return wrk.format("GET", "/api/collections/posts/records?perPage=20&sort=-views&filter=" .. filter)
end
