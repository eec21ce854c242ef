#!/usr/bin/env bash
# Regenerates docs/screenshots/*.png (README.md and docs/site.md show them) from a fresh demo run:
#   run-overview.png   the English run overview at 1280 px wide (top 1500 px)
#   packet-page1.png   the English packet's first printed A4 page, at 80 dpi
# Needs a release or debug build of shiftlens, headless Chromium and pdftoppm (poppler-utils).
#
#   scripts/dev/screenshots.sh [path/to/shiftlens]     (default: .build/release/shiftlens)
set -euo pipefail
cd "$(dirname "$0")/../.."
binary=${1:-.build/release/shiftlens}
chromium=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
[[ -x $binary ]] || { echo "error: $binary not found (swift build -c release)" >&2; exit 1; }
[[ -n $chromium ]] || { echo "error: Chromium not found (apt-get install -y chromium)" >&2; exit 1; }
command -v pdftoppm >/dev/null || { echo "error: pdftoppm not found (apt-get install -y poppler-utils)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$binary" demo --site "$work/site" --data "$work/data" >"$work/demo.log" 2>&1
run=$(ls -d "$work"/site/pilots/*/*/ | head -n 1)
"$chromium" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,1500 \
    --screenshot=docs/screenshots/run-overview.png "file://${run}index.html" 2>/dev/null
"$chromium" --headless --no-sandbox --disable-gpu --no-pdf-header-footer \
    --print-to-pdf="$work/packet.pdf" "file://${run}packet.html" 2>/dev/null
pdftoppm -r 80 -f 1 -l 1 -png -singlefile "$work/packet.pdf" docs/screenshots/packet-page1
echo "wrote docs/screenshots/run-overview.png and docs/screenshots/packet-page1.png"
