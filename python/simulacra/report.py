"""A self-contained HTML report of a Dataset: provenance, runs, every
table's columns and summary, and the plots that apply, as PNGs inlined in
the page (it opens without network access)."""

import base64
import html
import io
import os

import pandas as pd

# Provenance keys shown apart (long texts) rather than in the key table.
_LONG = ("scenario",)


def _png(ax):
    import matplotlib.pyplot as plt
    buf = io.BytesIO()
    ax.figure.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    plt.close(ax.figure)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _style_and_script():
    """The page style, and a script that writes into #rendered how many
    images loaded (headless browsers in the test suite read it)."""
    script = ("<script>window.addEventListener('load', function () {"
              "var imgs = document.querySelectorAll('img.plot'), ok = 0;"
              "imgs.forEach(function (i) { if (i.complete && i.naturalWidth > 0) ok++; });"
              "document.getElementById('rendered').textContent = 'rendered ' + ok + ' of ' + imgs.length;"
              "});</script>")
    style = ("body{font-family:sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse;font-size:90%}"
             "td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}pre{background:#f6f6f6;padding:1em;"
             "overflow:auto}img.plot{max-width:100%}#rendered{color:#888;font-size:80%}")
    return style, script


def figure_html(caption, draw):
    """A <figure> with the plot `draw()` returns an Axes of, as an inline PNG."""
    return ('<figure><img class="plot" alt="%s" src="data:image/png;base64,%s"><figcaption>%s</figcaption>'
            "</figure>" % (html.escape(caption), _png(draw()), html.escape(caption)))


def page(title, body):
    """The whole HTML page around `body` (a list of HTML parts)."""
    style, script = _style_and_script()
    return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>%s</title><style>%s</style></head>"
            "<body>\n%s\n<p id=\"rendered\">images not checked</p>%s</body></html>\n"
            % (html.escape(title), style, "\n".join(body), script))


def write_whole(path, text):
    """Writes `text` to `path` aside, then renames it: the file appears whole or not at all."""
    tmp = "%s.tmp-%d" % (path, os.getpid())
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def figures(ds):
    """[(title, Axes)] of every plot that applies to the dataset."""
    out = []
    p = ds.plot
    names = ds.table_names
    for n in names:
        pop = n.rsplit(".", 1)[0]
        if n.endswith(".daily"):
            out.append(("%s: persons by disease state" % pop, lambda pop=pop: p.epicurve(population=pop)))
            out.append(("%s: new infections by age band" % pop,
                        lambda pop=pop: p.epicurve(population=pop, by="age_band")))
        if n.endswith(".link_stats") and len(ds[n]):
            out.append(("%s: fundamental diagram" % pop, lambda pop=pop: p.fundamental(population=pop)))
            if pop + ".links" in ds and len(ds[pop + ".links"]):
                out.append(("%s: road network, width and colour by flow (veh/h)" % pop,
                            lambda pop=pop: p.network(population=pop)))
        if n.endswith(".trajectories") and len(ds[n]):
            busiest = int(ds[n]["link"].value_counts().index[0])
            out.append(("%s: space-time diagram of link %d (the most sampled)" % (pop, busiest),
                        lambda pop=pop, link=busiest: p.spacetime(link, population=pop)))
        if n.endswith(".trades") and len(ds[n]):
            out.append(("%s: price and volume" % pop, lambda pop=pop: p.price(population=pop)))
        if n.endswith(".book_snapshots") and len(ds[n]):
            mid = float(ds[n]["time"].median())
            out.append(("%s: book depth at t = %g s" % (pop, mid),
                        lambda pop=pop, mid=mid: p.depth(mid, population=pop)))
    return out


def _table_section(ds, name):
    df = ds[name]
    types = ds.column_types(name)
    cols = pd.DataFrame({"column": list(types), "type": list(types.values()),
                         "unit": [ds.units[name][c] for c in types], "meaning": [ds.docs[name][c] for c in types]})
    parts = ["<h3>%s</h3>" % html.escape(name),
             "<p>%s &mdash; %d rows</p>" % (html.escape(ds.row_meanings[name]), len(df)),
             cols.to_html(index=False, classes="columns")]
    numeric = df.select_dtypes(include="number")
    if len(df) and len(numeric.columns):
        parts.append(numeric.describe().T.to_html(classes="summary", float_format=lambda v: "%.6g" % v))
    return "\n".join(parts)


def render(ds, title=None):
    """The report as HTML text."""
    prov = ds.provenance
    title = title or "Simulacra dataset: %s" % prov.get("scenario_name", "")
    keys = pd.DataFrame({"key": [k for k in prov if k not in _LONG],
                         "value": [prov[k] for k in prov if k not in _LONG]})
    body = ["<h1>%s</h1>" % html.escape(title), "<h2>Provenance</h2>", keys.to_html(index=False, classes="prov")]
    if "scenario" in prov:
        body.append("<h3>Scenario (after overrides)</h3><pre>%s</pre>" % html.escape(prov["scenario"]))
    body += ["<h2>Runs</h2>", ds.runs.to_html(index=False, classes="runs")]
    plots = figures(ds)
    if plots:
        body.append("<h2>Plots</h2>")
        body += [figure_html(caption, draw) for caption, draw in plots]
    body.append("<h2>Tables</h2>")
    body += [_table_section(ds, n) for n in ds.table_names]
    return page(title, body)


def write(ds, path, title=None):
    """Writes the report to `path` (whole: written aside, then renamed)."""
    write_whole(path, render(ds, title))
