#!/bin/sh
# build.sh -- set up, build and run gclab on Debian 12 (or any apt system).
#
#   sh build.sh run [gclab run options...]  install what is missing, build, run the
#                                           bundled scenario suite on the built-in
#                                           default configuration
#   sh build.sh test                        install, build (-Werror), run every test
#   sh build.sh test-asan                   the same under ASan + UBSan
#   sh build.sh bench                       build and run the benchmarks
#   sh build.sh deps                        only install the packages
#
# Packages come from Debian (apt-get).  As root they are installed directly;
# otherwise through sudo.  Set GCLAB_NO_APT=1 to skip the install step.
set -eu
cd "$(dirname "$0")"
top=$(pwd)
jobs=$(nproc 2>/dev/null || echo 2)

PACKAGES="gcc libc6-dev make cmake pkg-config liblua5.4-dev lua5.4 libyaml-dev libcmocka-dev libgc-dev libxml2-dev libxml2-utils libyajl-dev zlib1g-dev libcsv-dev"

deps() {
  [ "${GCLAB_NO_APT:-0}" = 1 ] && return 0
  missing=""
  for p in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
  done
  [ -z "$missing" ] && return 0
  if [ "$(id -u)" = 0 ]; then sudo=""; else
    echo "build.sh: not root: installing$missing with sudo" >&2
    sudo="sudo"
  fi
  echo "build.sh: installing$missing" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

build() { # build DIR [cmake options...]
  dir=$1; shift
  cmake -S "$top" -B "$dir" -DGCLAB_WERROR=ON "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
}

cmd=${1:-run}
[ $# -gt 0 ] && shift
case "$cmd" in
  deps) deps ;;
  run)
    deps
    build "$top/build" >/dev/null
    exec "$top/build/gclab" run "$@" "$top/scripts"
    ;;
  test)
    deps
    build "$top/build"
    cd "$top/build" && ctest -j "$jobs" --output-on-failure
    ;;
  test-asan)
    deps
    build "$top/build-asan" -DGCLAB_SANITIZE=ON -DGCLAB_BENCH=OFF
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    cd "$top/build-asan" && ctest -j "$jobs" --output-on-failure
    ;;
  bench)
    deps
    build "$top/build" -DCMAKE_BUILD_TYPE=Release
    for b in "$top"/build/bench/bench_*; do [ -x "$b" ] && "$b"; done
    ;;
  *) echo "usage: sh build.sh [run|test|test-asan|bench|deps]" >&2; exit 2 ;;
esac
