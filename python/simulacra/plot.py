"""Plots of a Dataset with matplotlib (Debian's python3-matplotlib):
ds.plot.epicurve(), .spacetime(link), .fundamental(), .network(), .price(),
.depth(t).
Each draws into `ax` (a new figure when None) and returns the Axes; save
with ax.figure.savefig("fig.png")."""

import numpy as np
import pandas as pd

from . import _convert

# Disease states of the epidemic's daily table, in its column order.
EPIDEMIC_STATES = ["susceptible", "exposed", "presymptomatic", "symptomatic", "asymptomatic",
                   "hospitalised", "icu", "recovered", "dead", "vaccinated"]
# Intervention columns of the daily table: (column, is active when, label).
_INTERVENTIONS = [("school_contacts", lambda v: v < 1.0, "schools closed"),
                  ("vaccination", lambda v: v, "vaccination"),
                  ("lockdown", lambda v: v, "lockdown")]


def _axes(ax):
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt
    return plt.subplots(figsize=(9, 5))[1]


def _spans(days, active):
    """Contiguous [first, last + 1) day ranges where `active` holds."""
    spans, start = [], None
    for d, a in zip(days, active):
        if a and start is None:
            start = d
        if not a and start is not None:
            spans.append((start, d))
            start = None
    if start is not None:
        spans.append((start, days[-1] + 1))
    return spans


class DatasetPlots:
    def __init__(self, ds):
        self._ds = ds

    def _table(self, suffix, population, kind):
        names = [n for n in self._ds.table_names if n.endswith("." + suffix)
                 and (population is None or n == population + "." + suffix)]
        if not names:
            raise ValueError("this dataset has no %s table%s (%s population needed); tables: %s" % (
                suffix, "" if population is None else " of population %r" % population, kind,
                ", ".join(self._ds.table_names)))
        if len(names) > 1:
            raise ValueError("several %s tables (%s): name the population" % (suffix, ", ".join(names)))
        return self._ds[names[0]], names[0]

    # -------------------------------------------------------------- epidemic
    def epicurve_data(self, population=None, by="state", states=None, band=(0.05, 0.95)):
        """What epicurve() draws: {series: DataFrame(day, median, low,
        high)}; low/high are the band's quantiles across runs (equal to the
        median for one run). by="state": persons per state summed over age
        bands; by="age_band": new infections per age band."""
        daily, _ = self._table("daily", population, "an epidemic")
        runs = daily["run"] if "run" in daily.columns else pd.Series(0, index=daily.index)
        if by == "state":
            series = [s for s in (states or EPIDEMIC_STATES) if s in daily.columns]
            per_run = daily.assign(_run=runs).groupby(["_run", "day"])[series].sum()
        elif by == "age_band":
            per_run = (daily.assign(_run=runs).pivot_table(index=["_run", "day"], columns="age_band",
                                                           values="new_infections", aggfunc="sum", observed=True))
            series = list(per_run.columns)
        else:
            raise ValueError("by: expected 'state' or 'age_band', got %r" % (by,))
        out = {}
        for s in series:
            wide = per_run[s].unstack("_run")
            out[str(s)] = pd.DataFrame({"day": wide.index.to_numpy(), "median": wide.median(axis=1).to_numpy(),
                                        "low": wide.quantile(band[0], axis=1).to_numpy(),
                                        "high": wide.quantile(band[1], axis=1).to_numpy()})
        return out

    def interventions(self, population=None):
        """[(label, first day, end day)] of the interventions active in the
        first run (schools closed, vaccination, lockdown)."""
        daily, _ = self._table("daily", population, "an epidemic")
        if "run" in daily.columns:
            daily = daily[daily["run"] == daily["run"].iloc[0]]
        per_day = daily.groupby("day")
        days = list(per_day.groups.keys())
        spans = []
        for col, active, label in _INTERVENTIONS:
            if col in daily.columns:
                flags = [bool(active(v)) for v in (per_day[col].min() if col == "school_contacts" else per_day[col].any())]
                spans += [(label, a, b) for a, b in _spans(days, flags)]
        return spans

    def epicurve(self, population=None, by="state", states=None, band=(0.05, 0.95), shade=True, ax=None):
        """Epidemic curves from the daily table: persons per disease state
        (by="state", default all but susceptible) or new infections per age
        band (by="age_band"), the median across runs with a band between the
        `band` quantiles when there are several runs, intervention periods
        shaded."""
        ax = _axes(ax)
        if by == "state" and states is None:
            states = [s for s in EPIDEMIC_STATES if s != "susceptible"]
        data = self.epicurve_data(population, by, states, band)
        for name, d in data.items():
            line, = ax.plot(d["day"], d["median"], label=name)
            if len(self._ds) > 1:
                ax.fill_between(d["day"], d["low"], d["high"], color=line.get_color(), alpha=0.25, linewidth=0)
        if shade:
            colours = {"schools closed": "tab:orange", "vaccination": "tab:green", "lockdown": "tab:red"}
            seen = set()
            for label, a, b in self.interventions(population):
                ax.axvspan(a, b, color=colours.get(label, "grey"), alpha=0.1,
                           label=None if label in seen else label)
                seen.add(label)
        ax.set_xlabel("day")
        ax.set_ylabel("persons" if by == "state" else "new infections per day")
        title = "persons by disease state" if by == "state" else "new infections by age band"
        ax.set_title(title + ("" if len(self._ds) == 1 else " (median and %g-%g%% of %d runs)"
                              % (100 * band[0], 100 * band[1], len(self._ds))))
        ax.legend(fontsize="small", ncol=2)
        return ax

    # --------------------------------------------------------------- traffic
    def spacetime(self, link, population=None, run=None, ax=None):
        """Space-time diagram of one link: every trajectory sample on it,
        position against time, coloured by speed."""
        traj, _ = self._table("trajectories", population, "a traffic")
        if run is not None and "run" in traj.columns:
            traj = traj[traj["run"] == run]
        on = traj[traj["link"] == link]
        if on.empty:
            raise ValueError("no trajectory samples on link %r" % (link,))
        ax = _axes(ax)
        pts = ax.scatter(on["time"], on["position"], c=on["speed"], s=2, cmap="viridis")
        ax.figure.colorbar(pts, ax=ax, label="speed (m/s)")
        ax.set_xlabel("time (%s)" % self._ds.provenance.get("time_unit", "s"))
        ax.set_ylabel("position on link %s (m)" % link)
        ax.set_title("space-time diagram, link %s" % link)
        return ax

    def fundamental(self, population=None, ax=None):
        """The fundamental diagram from link statistics: flow (veh/h)
        against density (veh/km), one point per link and interval."""
        stats, _ = self._table("link_stats", population, "a traffic")
        ax = _axes(ax)
        ax.scatter(stats["density"], stats["flow"], s=6, alpha=0.6)
        ax.set_xlabel("density (veh/km)")
        ax.set_ylabel("flow (veh/h)")
        ax.set_title("fundamental diagram")
        return ax

    def link_flows(self, population=None, run=None, interval=None):
        """What network() draws: one row per link of the `links` table
        (link, from_node, to_node, x_from, y_from, x_to, y_to, lanes, length), with `vehicles`
        (vehicles that left the link's end), `hours` (the time the link
        statistics cover) and `flow` = vehicles / hours in veh/h, from
        `link_stats`. run: one run (default: all runs, flows averaged over
        them). interval: (start, end) in the dataset's time unit, to count
        only the statistics intervals that end after start and at or before
        end (default the whole run). A link without statistics rows has flow
        NaN. Raises ValueError when the tables are missing, the run does not
        exist or no statistics are left."""
        links, _ = self._table("links", population, "a traffic")
        stats, _ = self._table("link_stats", population, "a traffic")
        if "run" in links.columns:
            links = links[links["run"] == (links["run"].iloc[0] if run is None else run)]
        if links.empty:
            raise ValueError("no links%s" % ("" if run is None else " in run %r" % (run,)))
        if run is not None and "run" in stats.columns:
            stats = stats[stats["run"] == run]
        stats = stats.assign(_run=stats["run"] if "run" in stats.columns else 0).sort_values(["_run", "link", "time"])
        # Each row covers the time since the link's previous row (the run's start for the first).
        span = stats["time"] - stats.groupby(["_run", "link"])["time"].shift(1).fillna(0.0)
        unit = self._ds.provenance.get("time_unit", "s")
        hours = span * _convert.TIME_UNITS.get(unit, 1.0) / 3600.0
        stats = stats.assign(hours=hours, vehicles=stats["flow"] * hours)
        if interval is not None:
            start, end = interval
            stats = stats[(stats["time"] > start) & (stats["time"] <= end)]
        if stats.empty:
            raise ValueError("no link statistics to draw flows from%s (the scenario's stats_interval must be > 0)"
                             % ("" if interval is None else " in the interval (%g, %g]" % tuple(interval)))
        per_link = stats.groupby("link")[["vehicles", "hours"]].sum()
        cols = ["link", "from_node", "to_node", "x_from", "y_from", "x_to", "y_to", "lanes", "length"]
        out = links[cols].reset_index(drop=True)
        out = out.join(per_link, on="link")
        out["flow"] = out["vehicles"] / out["hours"]
        return out

    def network(self, population=None, run=None, interval=None, labels=None, cmap="plasma", ax=None):
        """The road network from the `links` table, a line per link between
        its end nodes (shifted to the right of its direction when the
        opposite link exists), its width and colour by the link's flow in
        veh/h (link_flows(); links without statistics thin and grey).
        labels: write link ids at their middles (default: when there are at
        most 40 links)."""
        import matplotlib as mpl
        from matplotlib.collections import LineCollection
        data = self.link_flows(population, run, interval)
        start = data[["x_from", "y_from"]].to_numpy(dtype=float)
        end = data[["x_to", "y_to"]].to_numpy(dtype=float)
        extent = max(float(np.ptp(np.vstack([start, end]), axis=0).max()), 1.0)
        d = end - start
        norm = np.hypot(d[:, 0], d[:, 1])
        norm[norm == 0] = 1.0
        right = np.column_stack([d[:, 1], -d[:, 0]]) / norm[:, None]
        pairs = set(zip(data["from_node"], data["to_node"]))
        twin = np.array([(b, a) in pairs for a, b in zip(data["from_node"], data["to_node"])])
        shift = right * (0.01 * extent) * twin[:, None]
        segments = np.stack([start + shift, end + shift], axis=1)
        flow = data["flow"].to_numpy(dtype=float)
        top = np.nanmax(flow) if np.isfinite(flow).any() and np.nanmax(flow) > 0 else 1.0
        # The colour map's palest end (near white) is left out: thin quiet links stay visible.
        cmap = mpl.colors.ListedColormap(mpl.colormaps[cmap](np.linspace(0.0, 0.85, 256)))
        colours = cmap(np.nan_to_num(flow) / top)
        colours[~np.isfinite(flow)] = mpl.colors.to_rgba("lightgrey")
        widths = np.where(np.isfinite(flow), 0.6 + 5.4 * np.nan_to_num(flow) / top, 0.4)
        ax = _axes(ax)
        ax.add_collection(LineCollection(segments, colors=colours, linewidths=widths, capstyle="round"))
        ax.autoscale_view()
        ax.set_aspect("equal", adjustable="datalim")
        mappable = mpl.cm.ScalarMappable(norm=mpl.colors.Normalize(0, top), cmap=cmap)
        ax.figure.colorbar(mappable, ax=ax, label="flow (veh/h)")
        if labels or (labels is None and len(data) <= 40):
            mid = segments.mean(axis=1) + 2.5 * shift
            for (x, y), link in zip(mid, data["link"]):
                ax.annotate(str(link), (x, y), fontsize=7, ha="center", va="center", color="black")
        ax.set_xlabel("x (m)")
        ax.set_ylabel("y (m)")
        what = "whole run" if interval is None else "intervals ending in (%g, %g]" % tuple(interval)
        runs = "" if len(self._ds) == 1 or run is not None else ", mean of %d runs" % len(self._ds)
        ax.set_title("link flows (%s%s)" % (what, runs))
        return ax

    # ---------------------------------------------------------------- market
    def price(self, population=None, symbol=0, run=None, ax=None):
        """Trade prices over time with volume per bar below them, and the
        orders labelled as manipulation marked at their price."""
        trades, name = self._table("trades", population, "a market")
        prefix = name[: -len("trades")]

        def pick(df):
            if run is not None and "run" in df.columns:
                df = df[df["run"] == run]
            return df[df["symbol"] == symbol]

        trades = pick(trades)
        ax = _axes(ax)
        ax.plot(trades["time"], trades["price"], linewidth=0.7, label="trades")
        orders_name, labels_name = prefix + "orders", prefix + "labels"
        if orders_name in self._ds and labels_name in self._ds:
            # The ground truth is apart from the orders: every orders row
            # (order, cancels) of an order the labels table names.
            orders, labels = pick(self._ds[orders_name]), pick(self._ds[labels_name])
            keys = ["run", "order_id"] if "run" in orders.columns and "run" in labels.columns else ["order_id"]
            marked = orders.merge(labels[keys + ["label"]], on=keys, how="inner")
            if len(marked):
                ax.scatter(marked["time"], marked["price"], s=8, color="tab:red", zorder=3,
                           label="labelled: " + ", ".join(sorted(set(marked["label"].astype(str)))))
        bars_name = prefix + "bars"
        if bars_name in self._ds:
            bars = pick(self._ds[bars_name])
            vol = ax.twinx()
            width = np.diff(bars["time"].to_numpy()).min() if len(bars) > 1 else 1.0
            vol.bar(bars["time"], bars["volume"], width=width, align="edge", alpha=0.2, color="grey")
            vol.set_ylabel("volume per bar")
        ax.set_xlabel("time (s)")
        ax.set_ylabel("price")
        ax.set_title("symbol %d" % symbol)
        ax.legend(fontsize="small", loc="upper left")
        return ax

    def depth(self, time, population=None, symbol=0, run=None, ax=None):
        """Order-book depth at the last snapshot at or before `time`:
        cumulative size on each side against price."""
        snaps, _ = self._table("book_snapshots", population, "a market")
        if run is not None and "run" in snaps.columns:
            snaps = snaps[snaps["run"] == run]
        snaps = snaps[(snaps["symbol"] == symbol) & (snaps["time"] <= time)]
        if snaps.empty:
            raise ValueError("no book snapshot of symbol %d at or before %g" % (symbol, time))
        at = snaps["time"].max()
        book = snaps[snaps["time"] == at].sort_values("level")
        ax = _axes(ax)
        ax.step(book["bid_price"], book["bid_size"].cumsum(), where="post", color="tab:green", label="bids")
        ax.step(book["ask_price"], book["ask_size"].cumsum(), where="post", color="tab:red", label="asks")
        ax.set_xlabel("price")
        ax.set_ylabel("cumulative size")
        ax.set_title("book depth at t = %g s, symbol %d" % (at, symbol))
        ax.legend(fontsize="small")
        return ax
