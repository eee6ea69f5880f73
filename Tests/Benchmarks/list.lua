-- Aerie — wrk scenario: list 20 records sorted by -views, random page 1..50
-- SPDX-License-Identifier: MIT
-- Usage: wrk -s list.lua http://127.0.0.1:PORT
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(dir .. "common.lua")

setup = common.setup
done = common.done

function init(args)
  common.seed_random()
end

function request()
  -- Pages 1..50 of 20 stay inside the 10,000 seeded rows; every response carries 20 items
  -- plus the COUNT for totalItems.
  return wrk.format("GET", "/api/collections/posts/records?perPage=20&sort=-views&page=" .. math.random(50))
end
