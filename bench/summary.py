"""The bench programs' results (--results TSV files) as one Markdown table: per row, cofs's
default contender, its ratio to each limit reference and to each peer (how many times better
cofs is; below 1, worse). bench/run_all.sh writes it to docs/plots/summary.md.

  python3 bench/summary.py [--charts DIR] RESULTS.tsv...  > summary.md
DIR is where the links to the charts point (default plots/, as seen from docs/)."""
import collections
import csv
import sys


def fmt(v):
    if v >= 1000:
        return f"{v:,.0f}"
    if v >= 100:
        return f"{v:.0f}"
    return f"{v:.1f}" if v >= 10 else f"{v:.2f}"


def main(args):
    charts = "plots/"
    if args[:1] == ["--charts"]:
        charts, args = args[1].rstrip("/") + "/" if args[1] else "", args[2:]
    paths = args
    rows = collections.OrderedDict()
    for path in paths:
        with open(path) as f:
            for bench, row, title, contender, kind, value, unit, better in csv.reader(
                f, delimiter="\t"
            ):
                entry = rows.setdefault(
                    (bench, row), {"title": title, "unit": unit, "better": better, "items": []}
                )
                entry["items"].append((contender, kind, float(value)))
    print("| row (unit) | cofs | cofs against the limit references | peers | cofs against the peer |")
    print("|---|---|---|---|---|")
    for (bench, row), d in rows.items():
        name, cofs = next((c, v) for c, k, v in d["items"] if k == "cofs")
        lower = d["better"] == "lower"

        def ratio(v):
            return v / cofs if lower else cofs / v

        refs = "; ".join(
            f"{c} {fmt(v)}: {ratio(v):.2f}x" for c, k, v in d["items"] if k == "ref"
        )
        peers = "; ".join(f"{c} {fmt(v)}" for c, k, v in d["items"] if k == "peer")
        versus = " / ".join(f"**{ratio(v):.1f}x**" for c, k, v in d["items"] if k == "peer")
        title = f"[{d['title']}]({charts}{bench}-{row}.svg) ({d['unit']}, {d['better']} is better)"
        print(f"| {title} | {name} {fmt(cofs)} | {refs} | {peers or 'none'} | {versus} |")


main(sys.argv[1:])
