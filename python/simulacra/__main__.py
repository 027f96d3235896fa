"""python3 -m simulacra plot|report DATASET ..., calibration-report FOLDER
and plot-learned|report-learned REAL.csv SYNTH.csv: figures and HTML reports
of datasets `simulacra run` wrote, of the folders `simulacra calibrate`
wrote and of synthetic tables against real ones, from the command line
(docs/python.md). `simulacra plot|report|...` runs this module."""

import argparse
import os
import sys

# The program's name in messages: `simulacra` sets it when it runs this module.
PROG = os.environ.get("SIMULACRA_PROG", "python3 -m simulacra")

# (numpy and pandas are the package's own imports, made before this file runs.)
try:
    import matplotlib
except ImportError:
    print("%s: matplotlib is not installed for %s (Debian: apt-get install python3-matplotlib)"
          % (PROG, sys.executable), file=sys.stderr)
    sys.exit(2)

matplotlib.use("Agg")

import pandas as pd  # noqa: E402

import simulacra  # noqa: E402
from simulacra import calibration, report, synthetic  # noqa: E402

KINDS = ["epicurve", "epicurve-age", "fundamental", "network", "spacetime", "price", "depth"]
LEARNED_KINDS = ["marginals", "correlations"]


def _types(pairs, parser):
    out = {}
    for p in pairs or []:
        name, sep, kind = p.partition("=")
        if not sep:
            parser.error("--type %s: expected COLUMN=numeric|categorical" % p)
        out[name] = kind
    return out


def _read_csv(path):
    try:
        return pd.read_csv(path)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
        raise ValueError("%s: %s" % (path, getattr(e, "strerror", None) or e))


def main(argv=None):
    parser = argparse.ArgumentParser(prog=PROG)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("plot", help="draw one plot of a dataset into a PNG or SVG file")
    p.add_argument("dataset", help="an HDF5 file or an output folder of `simulacra run`")
    p.add_argument("--kind", required=True, choices=KINDS)
    p.add_argument("--population", help="which population, when there are several of that kind")
    p.add_argument("--link", type=int, help="spacetime: the link")
    p.add_argument("--time", type=float, help="depth: the time (s)")
    p.add_argument("--run", type=int, help="spacetime, network, price, depth: one run of several")
    p.add_argument("--interval", type=float, nargs=2, metavar=("START", "END"),
                   help="network: flows of the statistics intervals ending in (START, END] (dataset time unit)")
    p.add_argument("-o", "--output", required=True, help="fig.png or fig.svg")
    r = sub.add_parser("report", help="a self-contained HTML report of a dataset")
    r.add_argument("dataset")
    r.add_argument("-o", "--output", required=True, help="report.html")
    c = sub.add_parser("calibration-report",
                       help="an HTML report of a `simulacra calibrate` folder: fit bands, marginals, pairs")
    c.add_argument("folder")
    c.add_argument("-o", "--output", required=True, help="report.html")
    learned = {}
    for name, what in (("plot-learned", "draw a synthetic table's marginals or associations against the real one's"),
                       ("report-learned", "an HTML page comparing a synthetic table with the real one")):
        q = learned[name] = sub.add_parser(name, help=what)
        q.add_argument("real", help="the real table (CSV with a header row)")
        q.add_argument("synthetic", help="the synthetic table (e.g. from `simulacra sample`)")
        if name == "plot-learned":
            q.add_argument("--kind", choices=LEARNED_KINDS, default="marginals")
        else:
            q.add_argument("--no-evaluate", action="store_true", help="leave out the figures of `simulacra evaluate`")
        q.add_argument("--type", action="append", metavar="COL=KIND",
                       help="a column's kind, numeric or categorical (as `simulacra fit --type`)")
        q.add_argument("-o", "--output", required=True, help="fig.png or fig.svg" if name == "plot-learned"
                       else "page.html")
    args = parser.parse_args(argv)
    try:
        if args.command == "calibration-report":
            calibration.write_report(args.folder, args.output)
            return 0
        if args.command in ("plot-learned", "report-learned"):
            real, synth, types = _read_csv(args.real), _read_csv(args.synthetic), _types(args.type, learned[args.command])
            if args.command == "report-learned":
                synthetic.write_report(real, synth, args.output, types=types, sources=(args.real, args.synthetic),
                                       title="%s against %s" % (os.path.basename(args.synthetic),
                                                                os.path.basename(args.real)),
                                       evaluation=not args.no_evaluate)
                return 0
            draw = synthetic.plot_marginals if args.kind == "marginals" else synthetic.plot_correlations
            draw(real, synth, types=types).savefig(args.output, bbox_inches="tight")
            return 0
        ds = simulacra.open(args.dataset)
        if args.command == "report":
            report.write(ds, args.output)
            return 0
        pl, pop = ds.plot, args.population
        if args.kind == "epicurve":
            ax = pl.epicurve(population=pop)
        elif args.kind == "epicurve-age":
            ax = pl.epicurve(population=pop, by="age_band")
        elif args.kind == "fundamental":
            ax = pl.fundamental(population=pop)
        elif args.kind == "network":
            ax = pl.network(population=pop, run=args.run, interval=args.interval)
        elif args.kind == "spacetime":
            if args.link is None:
                p.error("--kind spacetime needs --link")
            ax = pl.spacetime(args.link, population=pop, run=args.run)
        elif args.kind == "price":
            ax = pl.price(population=pop, run=args.run)
        else:
            if args.time is None:
                p.error("--kind depth needs --time")
            ax = pl.depth(args.time, population=pop, run=args.run)
        ax.figure.savefig(args.output, bbox_inches="tight")
        return 0
    except (simulacra.Error, ValueError, TypeError, OSError) as e:
        print("%s %s: %s" % (PROG, args.command, e), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
