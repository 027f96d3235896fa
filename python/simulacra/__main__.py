"""python3 -m simulacra plot|report DATASET ... and calibration-report FOLDER:
figures and HTML reports of datasets `simulacra run` wrote and of the folders
`simulacra calibrate` wrote, from the command line (docs/python.md)."""

import argparse
import sys

import matplotlib

matplotlib.use("Agg")

import simulacra  # noqa: E402
from simulacra import calibration, report  # noqa: E402

KINDS = ["epicurve", "epicurve-age", "fundamental", "spacetime", "price", "depth"]


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python3 -m simulacra")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("plot", help="draw one plot of a dataset into a PNG or SVG file")
    p.add_argument("dataset", help="an HDF5 file or an output folder of `simulacra run`")
    p.add_argument("--kind", required=True, choices=KINDS)
    p.add_argument("--population", help="which population, when there are several of that kind")
    p.add_argument("--link", type=int, help="spacetime: the link")
    p.add_argument("--time", type=float, help="depth: the time (s)")
    p.add_argument("-o", "--output", required=True, help="fig.png or fig.svg")
    r = sub.add_parser("report", help="a self-contained HTML report of a dataset")
    r.add_argument("dataset")
    r.add_argument("-o", "--output", required=True, help="report.html")
    c = sub.add_parser("calibration-report",
                       help="an HTML report of a `simulacra calibrate` folder: fit bands, marginals, pairs")
    c.add_argument("folder")
    c.add_argument("-o", "--output", required=True, help="report.html")
    args = parser.parse_args(argv)
    try:
        if args.command == "calibration-report":
            calibration.write_report(args.folder, args.output)
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
        elif args.kind == "spacetime":
            if args.link is None:
                parser.error("--kind spacetime needs --link")
            ax = pl.spacetime(args.link, population=pop)
        elif args.kind == "price":
            ax = pl.price(population=pop)
        else:
            if args.time is None:
                parser.error("--kind depth needs --time")
            ax = pl.depth(args.time, population=pop)
        ax.figure.savefig(args.output, bbox_inches="tight")
        return 0
    except (simulacra.Error, ValueError) as e:
        print("python3 -m simulacra %s: %s" % (args.command, e), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
