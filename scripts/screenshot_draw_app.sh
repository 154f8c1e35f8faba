#!/usr/bin/env bash
# Screenshot the drawing app as a user sees it: start it on a private Xvfb, draw with the
# real pointer (xdotool), grab the screen (imagemagick's import).
#   scripts/screenshot_draw_app.sh letter-a docs/draw_app_rejects.png
#   scripts/screenshot_draw_app.sh 205 docs/draw_app.png
# Needs xvfb, xdotool and imagemagick (Debian packages) and the project installed.
set -euo pipefail
shape=${1:-letter-a}
out=${2:-docs/draw_app_rejects.png}
display=:${DISPLAY_NUMBER:-97}
recognizer=${RECOGNIZER:-recognizer}

Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
trap 'kill $app $xvfb 2>/dev/null || true' EXIT
export DISPLAY=$display
sleep 1
"$recognizer" draw &
app=$!
window=$(xdotool search --sync --onlyvisible --name "recognizer" | head -1)
xdotool windowmove "$window" 0 0
sleep 2

# Strokes in canvas coordinates (the canvas sits at the window's top left + CANVAS_X/Y).
ox=${CANVAS_X:-12}; oy=${CANVAS_Y:-12}
stroke() {  # stroke x0 y0 x1 y1 ... : press, move through the points, release
    xdotool mousemove $((ox + $1)) $((oy + $2)) mousedown 1
    shift 2
    while [ $# -ge 2 ]; do
        xdotool mousemove --sync $((ox + $1)) $((oy + $2)) 2>/dev/null || xdotool mousemove $((ox + $1)) $((oy + $2))
        shift 2
    done
    xdotool mouseup 1
}
line() {  # line x0 y0 x1 y1: a stroke with points every 8 px, as a hand moves
    local n=$(( ( ( $3 - $1 ) ** 2 + ( $4 - $2 ) ** 2 ) ))
    local steps=$(python3 -c "import math; print(max(1, int(math.sqrt($n) // 8)))")
    local pts=()
    for i in $(seq 0 "$steps"); do
        pts+=( $(( $1 + ( $3 - $1 ) * i / steps )) $(( $2 + ( $4 - $2 ) * i / steps )) )
    done
    stroke "${pts[@]}"
}
case "$shape" in
    letter-a)
        line 180 270 260 60; line 260 60 340 270; line 210 190 310 190 ;;
    205)
        line 60 90 150 90; line 150 90 150 160; line 150 160 60 250; line 60 250 160 250
        line 220 80 300 80; line 300 80 300 250; line 300 250 220 250; line 220 250 220 80
        line 460 80 380 80; line 380 80 375 160; line 375 160 450 160; line 450 160 455 240; line 455 240 375 250 ;;
    *) echo "unknown shape $shape (letter-a, 205)" >&2; exit 2 ;;
esac
sleep 2
import -window root -crop "$(xdotool getwindowgeometry --shell "$window" | awk -F= '/WIDTH/{w=$2}/HEIGHT/{h=$2}END{print w"x"h"+0+0"}')" "$out"
echo "wrote $out"
