-- Aerie — wrk scenario: download one stored file again and again
-- SPDX-License-Identifier: MIT
-- Usage: wrk -s download.lua http://127.0.0.1:PORT -- /api/files/blobs/ID/NAME
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(dir .. "common.lua")

local path

setup = common.setup
done = common.done

function init(args)
  path = assert(args[1], "pass the file path after the URL")
end

function request()
  return wrk.format("GET", path)
end
