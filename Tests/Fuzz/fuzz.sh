#!/usr/bin/env bash
# Aerie — build and run one libFuzzer target from Tests/Fuzz/<TARGET>.swift
# SPDX-License-Identifier: MIT
#
# Usage: Tests/Fuzz/fuzz.sh TARGET [SECONDS] [extra libFuzzer flags...]
#
# The target file's first lines must contain `// fuzz-modules: A B C`, naming the Sources/
# modules it needs in dependency order. Each is compiled from Sources/<Module>/*.swift into
# Tests/Fuzz/out/<TARGET>/ as its own module (same settings as Package.swift, plus
# -package-name so `package` entry points are visible), instrumented for coverage and ASan.
# C modules (directories under Sources/ holding a module.modulemap) are all put on the
# include path, so Swift modules that import CLinux, CSQLite or COpenSSL compile.
#
# The corpus lives in Tests/Fuzz/out/corpus-<TARGET>, seeded from Tests/Fuzz/seeds/<TARGET>/;
# an optional libFuzzer dictionary Tests/Fuzz/<TARGET>.dict is passed with -dict.
# Crash reproducers are written to Tests/Fuzz/out/ (crash-*, leak-*, timeout-*).
# Exit status: 0 when the run ends without finding anything, non-zero otherwise.
#
# Environment: SWIFTC (default: swiftc), FUZZ_OPT (default: -O), FUZZ_JOBS is not used —
# libFuzzer runs one process, which suits a shared 2-core machine.
set -euo pipefail

if [[ $# -lt 1 ]]; then
    echo "usage: $0 TARGET [SECONDS] [libFuzzer flags...]" >&2
    exit 64
fi
TARGET=$1
SECONDS_TO_RUN=${2:-60}
shift $(( $# >= 2 ? 2 : 1 ))

FUZZ_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$FUZZ_DIR/../.." && pwd)
SWIFTC=${SWIFTC:-swiftc}
OPT=${FUZZ_OPT:--O}
SRC="$FUZZ_DIR/$TARGET.swift"
OUT="$FUZZ_DIR/out"
BUILD="$OUT/build-$TARGET"
CORPUS="$OUT/corpus-$TARGET"
SEEDS="$FUZZ_DIR/seeds/$TARGET"

if [[ ! -f "$SRC" ]]; then
    echo "fuzz.sh: no such target: $SRC" >&2
    exit 64
fi

MODULES=$(sed -n 's|^// *fuzz-modules: *||p' "$SRC" | head -n 1)
if [[ -z "$MODULES" ]]; then
    echo "fuzz.sh: $SRC lacks a '// fuzz-modules: A B' line" >&2
    exit 64
fi

mkdir -p "$BUILD" "$CORPUS"

# Language settings mirrored from Package.swift's `strict` list.
COMMON=(
    -swift-version 6
    -enable-upcoming-feature ExistentialAny
    -enable-upcoming-feature InternalImportsByDefault
    -enable-upcoming-feature MemberImportVisibility
    -package-name aerie
    -parse-as-library
    "$OPT" -g
    -sanitize=fuzzer,address
    -I "$BUILD"
)
# Every C shim module under Sources/ (a directory with a module.modulemap) is importable.
for modulemap in "$ROOT"/Sources/*/module.modulemap; do
    [[ -f "$modulemap" ]] || continue
    COMMON+=(-I "$(dirname "$modulemap")")
done

LINK=()
for module in $MODULES; do
    dir="$ROOT/Sources/$module"
    if [[ ! -d "$dir" ]]; then
        echo "fuzz.sh: no module directory $dir" >&2
        exit 64
    fi
    if [[ -f "$dir/module.modulemap" ]]; then
        # A C module: nothing to compile, it is already on the include path.
        continue
    fi
    shopt -s nullglob globstar
    files=("$dir"/**/*.swift)
    shopt -u nullglob globstar
    if [[ ${#files[@]} -eq 0 ]]; then
        echo "fuzz.sh: no Swift sources in $dir" >&2
        exit 64
    fi
    echo "fuzz.sh: compiling $module (${#files[@]} files)" >&2
    "$SWIFTC" "${COMMON[@]}" -module-name "$module" \
        -emit-module -emit-module-path "$BUILD/$module.swiftmodule" \
        -emit-library -static -o "$BUILD/lib$module.a" \
        "${files[@]}"
    LINK+=("$BUILD/lib$module.a")
done

# C modules that the listed modules import (or that are listed) contribute their
# module.modulemap `link "x"` lines, so e.g. CSQLite brings -lsqlite3 and CLinux brings nothing.
C_MODULES=()
for module in $MODULES; do
    dir="$ROOT/Sources/$module"
    if [[ -f "$dir/module.modulemap" ]]; then
        C_MODULES+=("$module")
    else
        while read -r imported; do
            [[ -f "$ROOT/Sources/$imported/module.modulemap" ]] && C_MODULES+=("$imported")
        done < <(grep -rhoE '^[[:space:]]*(@[A-Za-z_]+[[:space:]]+)*((public|package|internal|private|fileprivate)[[:space:]]+)?import[[:space:]]+C[A-Za-z0-9_]+' "$dir" --include='*.swift' | awk '{print $NF}' | sort -u)
    fi
done
for c_module in $(printf '%s\n' "${C_MODULES[@]+"${C_MODULES[@]}"}" | sort -u); do
    while read -r lib; do
        LINK+=("-l$lib")
    done < <(sed -n 's|^ *link *"\([^"]*\)".*|\1|p' "$ROOT/Sources/$c_module/module.modulemap")
done

echo "fuzz.sh: linking $TARGET" >&2
"$SWIFTC" "${COMMON[@]}" -module-name "${TARGET}Main" \
    "$SRC" "${LINK[@]}" -use-ld=lld -o "$OUT/$TARGET"

if [[ -d "$SEEDS" ]]; then
    cp -n "$SEEDS"/* "$CORPUS"/ 2>/dev/null || true
fi

echo "fuzz.sh: running $TARGET for ${SECONDS_TO_RUN}s" >&2
cd "$OUT"
set +e
# The Swift runtime's backtracer would race ASan's report; let libFuzzer and ASan report alone.
DICT=()
if [[ -f "$FUZZ_DIR/$TARGET.dict" ]]; then
    DICT=(-dict="$FUZZ_DIR/$TARGET.dict")
fi
SWIFT_BACKTRACE=enable=no "$OUT/$TARGET" "$CORPUS" "${DICT[@]+"${DICT[@]}"}" -max_total_time="$SECONDS_TO_RUN" -print_final_stats=1 \
    -artifact_prefix="$OUT/$TARGET-" "$@"
status=$?
set -e
if [[ $status -ne 0 ]]; then
    echo "fuzz.sh: $TARGET found a problem (exit $status); reproducers are in $OUT" >&2
fi
exit $status
