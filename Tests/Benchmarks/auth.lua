-- Aerie — wrk scenario: password sign-in (POST auth-with-password) of the bench superuser
-- SPDX-License-Identifier: MIT
-- Usage: wrk -s auth.lua http://127.0.0.1:PORT -- EMAIL PASSWORD
-- Every request hashes the password once: bcrypt cost 10 on PocketBase, scrypt N=2^14 r=8 p=5 on
-- Aerie (see docs/benchmarks.md), so this measures password hashing under concurrency.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(dir .. "common.lua")

local body
local headers = { ["Content-Type"] = "application/json" }

setup = common.setup
done = common.done

function init(args)
  assert(args[1] and args[2], "pass the credentials after the URL: wrk ... URL -- EMAIL PASSWORD")
  body = string.format('{"identity":"%s","password":"%s"}', args[1], args[2])
end

function request()
  return wrk.format("POST", "/api/collections/_superusers/auth-with-password", headers, body)
end
