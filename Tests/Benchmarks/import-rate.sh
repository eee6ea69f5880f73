#!/usr/bin/env bash
# Aerie — NDJSON import rate and peak memory of `aerie records import`
# SPDX-License-Identifier: MIT
#
# Usage: Tests/Benchmarks/import-rate.sh [--aerie PATH] [--rows N] [--keep]
#   --aerie PATH   the aerie binary (default .build/release/aerie)
#   --rows N       records to import (default 1000000)
#   --keep         keep the temporary directory
# Generates N records (text, number, bool, select, json) in a fresh temporary directory, applies
# a schema, then runs the import under /usr/bin/time -v and prints rows/s and peak RSS.
# The import is one transaction, so it also checks that every row landed.
set -euo pipefail
aerie=.build/release/aerie
rows=1000000
keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --aerie) aerie="$2"; shift 2 ;;
    --rows) rows="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "unknown option $1" >&2; exit 64 ;;
  esac
done
aerie="$(cd "$(dirname "$aerie")" && pwd)/$(basename "$aerie")"
[ -x "$aerie" ] || { echo "no aerie binary at $aerie (swift build -c release)" >&2; exit 1; }
work="$(mktemp -d /tmp/aerie-import-XXXXXX)"
[ "$keep" = 1 ] || trap 'rm -rf "$work"' EXIT
cd "$work"
cat > schema.json <<'JSON'
{"collections":[{"name":"items","fields":[
  {"name":"title","type":"text","required":true,"max":200},
  {"name":"count","type":"number","onlyInt":true},
  {"name":"done","type":"bool"},
  {"name":"kind","type":"select","values":["a","b","c"]},
  {"name":"meta","type":"json"}],
 "indexes":["CREATE INDEX idx_items_kind ON items (kind)"]}]}
JSON
"$aerie" schema apply --dir data > /dev/null
python3 - "$rows" > items.ndjson <<'PY'
import json, sys
n = int(sys.argv[1])
out = sys.stdout
kinds = "abc"
for i in range(n):
    out.write(json.dumps({"title": f"item number {i}", "count": i, "done": i % 2 == 0,
                          "kind": kinds[i % 3], "meta": {"i": i, "tags": ["x", "y"]}}, separators=(",", ":")) + "\n")
PY
bytes=$(stat -c %s items.ndjson)
/usr/bin/time -v "$aerie" records import items items.ndjson --dir data > import.out 2> import.err || { cat import.err >&2; exit 1; }
seconds=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print s}' import.err)
rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' import.err)
stored=$("$aerie" records export items --dir data 2>/dev/null | wc -l)
[ "$stored" = "$rows" ] || { echo "expected $rows records, found $stored" >&2; exit 1; }
python3 - "$rows" "$seconds" "$rss_kb" "$bytes" <<'PY'
import sys
rows, seconds, rss_kb, size = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
print(f"rows {rows}  input {size/1048576:.1f} MiB  time {seconds:.2f} s  rate {rows/max(seconds,0.001):,.0f} rows/s  peak RSS {rss_kb/1024:.1f} MiB")
PY
