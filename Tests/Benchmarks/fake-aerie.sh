#!/usr/bin/env bash
# Aerie — harness self-test stand-in: PocketBase behind Aerie's command line
# SPDX-License-Identifier: MIT
#
# Lets run.sh's two-server path be exercised before Aerie exists:
#   Tests/Benchmarks/run.sh --aerie Tests/Benchmarks/fake-aerie.sh
# Accepts `serve --http ADDR --dir D --schema FILE [--quiet]`, `superuser create E P --dir D` and
# `--version`; the schema's collections are created by a generated PocketBase JS migration
# (plus created/updated autodate fields, which Aerie adds by itself). The "Aerie" column then
# shows PocketBase again, so both columns should agree within noise.
set -euo pipefail
PB="${FAKE_AERIE_POCKETBASE:-$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))')/pocketbase}"

opt() { # opt NAME ARGS... -> value after --NAME
  local name="$1"; shift
  while (($#)); do [[ "$1" == "--$name" ]] && { echo "$2"; return; }; shift; done
}

case "${1:-}" in
  --version) echo "fake-aerie (PocketBase $("$PB" --version | awk '{print $NF}'))" ;;
  superuser)
    [[ "${2:-}" == create ]] || { echo "fake-aerie: only 'superuser create'" >&2; exit 2; }
    d="$(opt dir "$@")"
    exec "$PB" superuser upsert "$3" "$4" --dir "$d/pb_data" --migrationsDir "$d/pb_migrations" \
      --hooksDir "$d/pb_hooks" ;;
  serve)
    d="$(opt dir "$@")"; http="$(opt http "$@")"; schema="$(opt schema "$@")"
    mkdir -p "$d/pb_migrations"
    python3 - "$schema" >"$d/pb_migrations/1_schema.js" <<'PY'
import json, sys
cols = json.load(open(sys.argv[1]))["collections"]
for c in cols:
    names = {f["name"] for f in c["fields"]}
    if "created" not in names:
        c["fields"].append({"name": "created", "type": "autodate", "onCreate": True, "onUpdate": False})
    if "updated" not in names:
        c["fields"].append({"name": "updated", "type": "autodate", "onCreate": True, "onUpdate": True})
print("migrate((app) => {")
print("  for (const c of " + json.dumps(cols) + ") {")
print("    try { app.findCollectionByNameOrId(c.name); continue; } catch (_) {}")
print("    for (const f of c.fields) { if (f.collection) { f.collectionId = app.findCollectionByNameOrId(f.collection).id; delete f.collection; } }")
print("    app.save(new Collection(c));")
print("  }")
print("}, (app) => {});")
PY
    exec "$PB" serve --http "$http" --dir "$d/pb_data" --migrationsDir "$d/pb_migrations" \
      --hooksDir "$d/pb_hooks" --publicDir "$d/pb_public" ;;
  *) echo "fake-aerie: unsupported command: $*" >&2; exit 2 ;;
esac
