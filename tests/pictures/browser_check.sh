#!/bin/sh
# browser_check.sh -- view gclab's pictures once in a real browser: headless
# Chromium (Debian's `chromium` package) loads a heap map, an aggregated
# heap map, the --report page, a sweep chart and a trace plot, and must
# render each without an XML parse error, with the elements we drew in its
# DOM, and produce a screenshot.
#
#   sh tests/pictures/browser_check.sh BUILD/gclab [REPO_ROOT]
#
# CTest runs it as `pictures_browser` only when chromium is installed
# (apt-get install chromium); exit 0 ok, 1 a check failed, 77 no chromium.
set -eu
gclab=$(realpath "$1")
root=$(realpath "${2:-$(dirname "$0")/../..}")
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || { echo "browser_check: chromium not installed: skipped"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$root"

# the pictures
GCLAB_PICTURES=$tmp "$gclab" run scripts/examples/07-article-figures.lua >/dev/null
"$gclab" lua - "$tmp/aggregated.svg" <<'LUA'
local gclab = require "gclab"
local heap = gclab.heap{new_space = {semi_space = {max = "4MiB"}}}
local keep = heap:root(heap:alloc(20000))
for i = 1, 60000 do local o = heap:alloc(2, 64) if i % 3 == 0 then keep[i // 3] = o end end
heap:full_gc()
heap:map{file = arg[1], title = "aggregated"}
LUA
"$gclab" run --report "$tmp/report" tests/pictures/report_scenarios.lua >/dev/null || true
"$gclab" sweep --vary new_space.semi_space.max=16KiB..64KiB*2 --config configs/tiny.yaml \
  --set new_space.semi_space.initial=16KiB --chart "$tmp/chart.svg" tests/pictures/short_lived.lua >/dev/null
"$gclab" trace plot tests/pictures/fixtures/grow-1e6.trace -o "$tmp/plot.html"

status=0
view() { # view FILE WHAT-MUST-BE-IN-THE-DOM...
  file=$1; shift
  dom=$(timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --user-data-dir="$tmp/profile-dom" \
    --dump-dom "file://$file" 2>/dev/null || true)
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --user-data-dir="$tmp/profile-shot" \
    --screenshot="$file.png" --window-size=1000,1200 "file://$file" >/dev/null 2>&1 || true
  ok=1
  case $dom in *parsererror*|*"This page contains the following errors"*) ok=0 ;; esac
  [ -n "$dom" ] || ok=0
  for want in "$@"; do
    case $dom in *"$want"*) ;; *) ok=0; echo "  $file: '$want' not in the rendered DOM" ;; esac
  done
  [ -s "$file.png" ] || { ok=0; echo "  $file: no screenshot"; }
  if [ $ok = 1 ]; then echo "ok - $(basename "$file")"; else echo "not ok - $(basename "$file")"; status=1; fi
}
view "$tmp/figure-1b-after-scavenge.svg" '<rect' 'new From' 'class="dead"'
view "$tmp/figure-3a-after-mark-compact-evacuate.svg" '<rect' 'mv"'
view "$tmp/aggregated.svg" 'aggregated: one cell per'
view "$tmp/report/report.html" '<section' '<svg' 'heapmap'
view "$tmp/chart.svg" '<polyline'
view "$tmp/plot.html" '<svg' 'Scavenge'
exit $status
