-- Aerie — wrk scenario: list 20 records with their author expanded (sorted by -views, random page 1..50)
-- SPDX-License-Identifier: MIT
-- Usage: wrk -s expand.lua http://127.0.0.1:PORT
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(dir .. "common.lua")

setup = common.setup
done = common.done

function init(args)
  common.seed_random()
end

function request()
  -- Like list.lua plus expand=author: every seeded post points at one of 50 authors, so each
  -- page carries 20 records and their authors (view rule "") nested under "expand", plus the COUNT.
  return wrk.format("GET", "/api/collections/posts/records?perPage=20&sort=-views&expand=author&page=" .. math.random(50))
end
