#!/usr/bin/env bash
# Turns the bench programs' results (--results FILE: one TSV line per measurement: bench, row,
# title, contender, kind, value, unit, better) into SVG charts with gnuplot:
#   <out>/<bench>-<row>.svg   one per row: cofs (dark blue; other engines and variants light
#                             blue), the limit references (grey) and the peers (orange)
#   <out>/headline.svg        per row with a peer: how many times better cofs is than each peer
# Usage: bench/plot.sh RESULTS_DIR [OUT_DIR]   (reads RESULTS_DIR/*.tsv; OUT_DIR defaults to it)
set -euo pipefail
in=${1:?usage: bench/plot.sh RESULTS_DIR [OUT_DIR]}
out=${2:-$in}
command -v gnuplot > /dev/null || { echo "plot.sh: gnuplot is missing (apt-get install gnuplot-nox)" >&2; exit 1; }
mkdir -p "$out"
rm -f "$out"/*.svg  # the charts of rows no longer measured would mislead
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat "$in"/*.tsv > "$tmp/all.tsv"

# One data file per row: y position (first line on top), value, colour, label.
awk -F'\t' -v dir="$tmp" '
  BEGIN { colour["cofs"] = "0x1f5fa8"; colour["cofs-alt"] = "0x8fb8e0"; colour["ref"] = "0x8c8c8c";
          colour["peer"] = "0xf08a24" }
  { key = $1 "-" $2; if (!(key in n)) { order[++rows] = key; title[key] = $3; unit[key] = $7;
      better[key] = $8 }
    i = ++n[key]; label[key, i] = $4; value[key, i] = $6; kind[key, i] = colour[$5] }
  END {
    for (r = 1; r <= rows; ++r) {
      key = order[r]; f = dir "/" key ".dat"
      for (i = 1; i <= n[key]; ++i) printf "%d\t%s\t%s\t%s\n", n[key] - i + 1, value[key, i], kind[key, i], label[key, i] > f
      printf "%s\t%s\t%s\t%s, %s is better\n", key, n[key], title[key], unit[key], better[key] > (dir "/rows")
    }
  }' "$tmp/all.tsv"

plot_bars() {  # data file, svg, title, bar count, x label
  local data=$1 svg=$2 title=$3 count=$4 xlabel=$5
  local height=$((90 + 26 * count))
  gnuplot <<EOF
set terminal svg size 860,$height font "sans,11" background "white"
set termoption noenhanced
set output "$svg"
set datafile separator "\t"
set title "$title"
set xlabel "$xlabel"
set style fill solid 0.9 border -1
set grid xtics
unset key
set ytics scale 0
stats "$data" using 2 nooutput
lo = STATS_min; hi = STATS_max
set yrange [0.4:$count + 0.6]
logscale = (lo > 0 && hi / lo > 30)
if (logscale) { set logscale x; base = lo / 2; set xrange [base:hi * 4]; set xlabel "$xlabel (log scale)" } else { base = 0; set xrange [0:hi * 1.25] }
set lmargin 40
plot "$data" using (base):1:(base):2:(\$1 - 0.35):(\$1 + 0.35):3:ytic(4) with boxxyerror lc rgb variable, \
     "" using 2:1:(\$2 >= 10000 ? sprintf(" %.0f", \$2) : sprintf(" %.4g", \$2)) with labels left
EOF
}

while IFS=$'\t' read -r key count title xlabel; do
  plot_bars "$tmp/$key.dat" "$out/$key.svg" "$title" "$count" "$xlabel"
done < "$tmp/rows"

# The headline: for each row with cofs and a peer, peer time / cofs time (or cofs rate / peer rate).
awk -F'\t' '
  { key = $1 "-" $2 }
  $5 == "cofs" && !(key in cofs) { cofs[key] = $6; title[key] = $1 ": " $3; better[key] = $8 }
  $5 == "peer" { peers[++np] = key; plabel[np] = $4; pvalue[np] = $6 }
  END {
    m = 0
    for (i = 1; i <= np; ++i) {
      key = peers[i]; if (!(key in cofs) || pvalue[i] <= 0 || cofs[key] <= 0) continue
      ratio = better[key] == "lower" ? pvalue[i] / cofs[key] : cofs[key] / pvalue[i]
      line[++m] = sprintf("%s\t%s vs %s", ratio, title[key], plabel[i])
    }
    for (i = 1; i <= m; ++i) printf "%d\t%s\t0x1f5fa8\n", m - i + 1, line[i]
  }' "$tmp/all.tsv" | awk -F'\t' '{ printf "%s\t%s\t%s\t%s\n", $1, $2, $4, $3 }' > "$tmp/headline.dat"
count=$(wc -l < "$tmp/headline.dat")
if [ "$count" -gt 0 ]; then
  gnuplot <<EOF
set terminal svg size 1300,$((100 + 26 * count)) font "sans,11" background "white"
set termoption noenhanced
set output "$out/headline.svg"
set datafile separator "\t"
set title "cofs against the peers (fsspec, aiofiles; for S3 awscli, rclone, boto3), same data, same run: times faster (peak RSS: times smaller)"
set xlabel "times better than the peer (log scale; 1 = equal)"
set style fill solid 0.9 border -1
set grid xtics
unset key
set ytics scale 0
set logscale x
stats "$tmp/headline.dat" using 2 nooutput
set yrange [0.4:$count + 0.6]
set xrange [0.1:STATS_max * 6]
set lmargin 100
set arrow from 1, graph 0 to 1, graph 1 nohead lc rgb "black" lw 1.5
plot "$tmp/headline.dat" using (0.1):1:(0.1):2:(\$1 - 0.35):(\$1 + 0.35):3:ytic(4) with boxxyerror lc rgb variable, \
     "" using 2:1:(sprintf(" %.3gx", \$2)) with labels left
EOF
fi
ls "$out"/*.svg
