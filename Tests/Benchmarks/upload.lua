-- Aerie — wrk scenario: create a record with one uploaded file (multipart/form-data)
-- SPDX-License-Identifier: MIT
-- Usage: wrk -s upload.lua http://127.0.0.1:PORT -- SIZE_BYTES
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(dir .. "common.lua")

local boundary = "aerie-bench-boundary-4f1c9a"
local body

setup = common.setup
done = common.done

function init(args)
  common.seed_random()
  local size = tonumber(args[1] or "65536")
  -- One body per thread, built once: the same bytes for both servers, so only the server differs.
  local chunk = string.rep("0123456789abcdef", 64)            -- 1 KiB
  local data = string.rep(chunk, math.floor(size / 1024)) .. string.rep("x", size % 1024)
  body = "--" .. boundary .. "\r\n"
    .. 'Content-Disposition: form-data; name="title"\r\n\r\nbench\r\n'
    .. "--" .. boundary .. "\r\n"
    .. 'Content-Disposition: form-data; name="data"; filename="bench.bin"\r\n'
    .. "Content-Type: application/octet-stream\r\n\r\n"
    .. data .. "\r\n--" .. boundary .. "--\r\n"
end

function request()
  return wrk.format("POST", "/api/collections/blobs/records",
    { ["Content-Type"] = "multipart/form-data; boundary=" .. boundary }, body)
end
