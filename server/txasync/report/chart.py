"""Charts of a history: a self-contained HTML page (inline SVG) and, optionally, a PNG.

The HTML page needs no network and no JavaScript: it is meant to be attached to a CI run or
committed next to the code. Its data is embedded twice, as a JSON block (for tools, and so
the page can be re-rendered) and as the SVG's points (each with its commit and value in
`data-` attributes and a tooltip). The PNG uses matplotlib, an optional extra, for READMEs
and slides.
"""

from __future__ import annotations

import html
import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .history import History, Point

PNG_SIZE = (1200, 600)  # pixels: the PNG is always this size (100 dpi)
COLORS = {"inlinecallbacks": "#d95f02", "async": "#1b9e77", "deferred": "#7f7f7f"}
# The second series of Deferred code still to convert: plain functions handing out Deferreds
# (pass-throughs and callback chains; `deferred_code.py`).
DEFERRED_SERIES = "pass-through/chain"
LAYER_COLORS = ("#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666", "#1f78b4")
DATA_ID = "txasync-progress-data"


class MissingExtra(Exception):
    """matplotlib is not installed; the message names the extra that brings it."""


@dataclass
class Series:
    name: str  # shown in the legend, and the `data-series` of its points
    color: str
    values: list[float]


@dataclass
class Panel:
    title: str
    series: list[Series]
    percent: bool = False


def panels(history: History) -> list[Panel]:
    """What is drawn: functions, lines, and (when layers are configured) % async per layer.
    The Deferred code left is two series (inlineCallbacks, and pass-throughs with chains)."""
    pts = history.points
    out = [
        Panel("functions", [
            Series("inlinecallbacks", COLORS["inlinecallbacks"],
                   [p.counts.inlinecallbacks for p in pts]),
            Series(DEFERRED_SERIES, COLORS["deferred"], [p.counts.deferred for p in pts]),
            Series("async", COLORS["async"], [p.counts.async_ for p in pts]),
        ]),
        Panel("lines in functions", [
            Series("inlinecallbacks", COLORS["inlinecallbacks"],
                   [p.counts.inlinecallbacks_lines for p in pts]),
            Series(DEFERRED_SERIES, COLORS["deferred"],
                   [p.counts.deferred_lines for p in pts]),
            Series("async", COLORS["async"], [p.counts.async_lines for p in pts]),
        ]),
    ]
    layer_names = list(pts[-1].layers) if pts else []
    if layer_names:
        out.append(Panel("% of functions async, by layer", [
            Series(name, LAYER_COLORS[i % len(LAYER_COLORS)],
                   [round(100 * p.layers[name].share_async, 2) for p in pts])
            for i, name in enumerate(layer_names)
        ], percent=True))
    return out


def x_positions(points: list[Point]) -> tuple[list[float], bool]:
    """(x values, whether they are times): commit time when it increases along the history,
    the commit's rank otherwise (a history whose dates go backwards would zig-zag)."""
    stamps = [float(p.timestamp) for p in points]
    if len(stamps) > 1 and stamps[-1] > stamps[0] and all(
            a <= b for a, b in zip(stamps, stamps[1:], strict=False)):
        return stamps, True
    return [float(i) for i in range(len(points))], False


def nice_ticks(high: float, count: int = 5) -> list[float]:
    """0 and round steps (1, 2, 5 x 10^k) up to at least `high`."""
    if high <= 0:
        return [0.0, 1.0]
    raw = high / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    top = math.ceil(high / step) * step
    return [i * step for i in range(int(round(top / step)) + 1)]


def _day(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")


def _fmt(value: float) -> str:
    return f"{value:.6g}"


def render_svg(panel: Panel, points: list[Point], width: int = 560, height: int = 320) -> str:
    """One panel as an inline <svg>: axes, gridlines, a polyline and points per series."""
    left, right, top, bottom = 64, 16, 36, 48
    plot_w, plot_h = width - left - right, height - top - bottom
    xs, is_time = x_positions(points)
    x0, x1 = (min(xs), max(xs)) if xs else (0.0, 1.0)
    ticks = nice_ticks(max((v for s in panel.series for v in s.values), default=0.0))
    if panel.percent:
        ticks = [0.0, 25.0, 50.0, 75.0, 100.0]
    y_top = ticks[-1] or 1.0

    def sx(x: float) -> float:
        return left + (plot_w / 2 if x1 == x0 else (x - x0) / (x1 - x0) * plot_w)

    def sy(y: float) -> float:
        return top + plot_h - y / y_top * plot_h

    e = html.escape
    parts = [f'<svg class="chart" role="img" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" data-panel="{e(panel.title)}">',
             f'<title>{e(panel.title)}</title>',
             f'<text x="{left}" y="20" class="panel-title">{e(panel.title)}</text>']
    for tick in ticks:
        y = sy(tick)
        label = f"{tick:g}%" if panel.percent else f"{tick:g}"
        parts.append(f'<line class="grid" x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" '
                     f'y2="{y:.1f}"/><text class="tick" x="{left - 6}" y="{y + 4:.1f}" '
                     f'text-anchor="end">{label}</text>')
    n_labels = min(len(xs), 5)
    for k in range(n_labels):
        # evenly spaced dates on a time axis; evenly spaced sample numbers otherwise
        x = x0 + (x1 - x0) * (k / (n_labels - 1) if n_labels > 1 else 0.0)
        x = x if is_time else float(round(x))
        label = _day(x) if is_time else f"#{int(x) + 1}"
        # the outermost labels grow inwards, so they are not cut at the edges
        anchor = ("middle" if n_labels == 1 or 0 < k < n_labels - 1
                  else "start" if k == 0 else "end")
        parts.append(f'<text class="tick" x="{sx(x):.1f}" y="{top + plot_h + 18}" '
                     f'text-anchor="{anchor}">{label}</text>')
    parts.append(f'<line class="axis" x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" '
                 f'y2="{top + plot_h}"/><line class="axis" x1="{left}" x2="{left}" '
                 f'y1="{top}" y2="{top + plot_h}"/>')
    for index, series in enumerate(panel.series):
        coords = [(sx(x), sy(v)) for x, v in zip(xs, series.values, strict=True)]
        cls = e(series.name)
        parts.append(f'<polyline class="series" data-series="{cls}" fill="none" '
                     f'stroke="{series.color}" stroke-width="2" points="'
                     + " ".join(f"{x:.1f},{y:.1f}" for x, y in coords) + '"/>')
        for point, value, (x, y) in zip(points, series.values, coords, strict=True):
            tip = (f"{point.date[:10]} {point.commit[:10]} {series.name}: {_fmt(value)}"
                   f"{'%' if panel.percent else ''} — {point.subject}")
            parts.append(f'<circle class="point" data-series="{cls}" '
                         f'data-commit="{point.commit}" data-value="{_fmt(value)}" '
                         f'cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{series.color}">'
                         f'<title>{e(tip)}</title></circle>')
        lx = left + 8 + index * 150
        parts.append(f'<rect x="{lx}" y="{height - 14}" width="10" height="10" '
                     f'fill="{series.color}"/><text class="legend" x="{lx + 14}" '
                     f'y="{height - 5}">{e(series.name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


_STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #222; }
.charts { display: flex; flex-wrap: wrap; gap: 1em; }
svg.chart { background: #fff; border: 1px solid #ddd; }
.grid { stroke: #eee; } .axis { stroke: #888; }
.tick, .legend { font-size: 11px; fill: #555; } .panel-title { font-weight: 600; }
table { border-collapse: collapse; margin-top: 1.5em; font-size: 12px; }
td, th { border-bottom: 1px solid #eee; padding: 2px 8px; text-align: right; }
td.text, th.text { text-align: left; } code { font-size: 11px; }
"""


def _json_script(data: dict[str, Any]) -> str:
    text = json.dumps(data, separators=(",", ":"))
    # `</script>` or `<!--` inside a commit subject must not end the block early.
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f'<script type="application/json" id="{DATA_ID}">{text}</script>'


def render_html(history: History, title: str = "Are we async yet?") -> str:
    """The whole page: headline numbers, charts, the data as JSON, and a table of points."""
    e = html.escape
    points = history.points
    last = points[-1] if points else None
    headline = (f"{last.counts.share_async:.0%} of functions and "
                f"{last.counts.share_async_lines:.0%} of their lines are async "
                f"({last.counts.async_} async, {last.counts.inlinecallbacks} inlineCallbacks, "
                f"{last.counts.deferred} pass-through/chain) "
                f"at {last.commit[:10]} ({last.date[:10]})") if last else "no commits"
    rows = "".join(
        f"<tr><td class=text>{p.date[:10]}</td><td class=text><code>{p.commit[:10]}</code>"
        f"</td><td class=text>{e(p.subject)}</td><td>{p.counts.inlinecallbacks}</td>"
        f"<td>{p.counts.deferred}</td><td>{p.counts.async_}</td><td>{p.counts.inlinecallbacks_lines}</td>"
        f"<td>{p.counts.async_lines}</td><td>{p.counts.share_async:.1%}</td></tr>"
        for p in reversed(points))
    charts = "".join(render_svg(panel, points) for panel in panels(history))
    s = history.stats
    return (
        "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
        f"<title>{e(title)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{e(title)}</h1><p>{e(headline)}</p><div class=charts>{charts}</div>"
        f"<p>{s.commits_sampled} of {s.commits_walked} commits counted (first-parent history)"
        f"; {len(history.unparsable)} file versions did not parse and count as zero.</p>"
        "<table><thead><tr><th class=text>date</th><th class=text>commit</th>"
        "<th class=text>subject</th><th>IC</th><th>pass-through/chain</th><th>async</th>"
        "<th>IC lines</th>"
        f"<th>async lines</th><th>async</th></tr></thead><tbody>{rows}</tbody></table>"
        f"{_json_script(history.to_json())}</body></html>\n"
    )


def write_html(history: History, path: str) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(render_html(history))


def require_matplotlib() -> None:
    """Fail early (before walking history) when the PNG cannot be drawn."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise MissingExtra("--png needs matplotlib: pip install matplotlib "
                           "(txasync's progress-png extra)") from None


def date_locator(first: float, last: float, ticks: int = 7) -> Any:
    """A date locator chosen for the span (at most about `ticks` ticks): days, months or
    years. Matplotlib's AutoDateLocator warns that it "was unable to pick an appropriate
    interval" over multi-year weekly histories; an explicit one never guesses."""
    from matplotlib import dates as mdates

    days = max((last - first) / 86400, 1.0)
    if days <= 60:
        return mdates.DayLocator(interval=max(1, math.ceil(days / ticks)))
    months = days / 30.44
    if months <= 12 * ticks:
        return mdates.MonthLocator(interval=max(1, math.ceil(months / ticks)))
    return mdates.YearLocator(base=max(1, math.ceil(months / 12 / ticks)))


def write_png(history: History, path: str, title: str = "Are we async yet?") -> None:
    """The same panels as the HTML page, side by side, PNG_SIZE pixels."""
    require_matplotlib()
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib import dates as mdates
    from matplotlib.figure import Figure

    width, height = PNG_SIZE
    drawn = panels(history)
    fig = Figure(figsize=(width / 100, height / 100), dpi=100, layout="constrained")
    fig.suptitle(title)
    axes = fig.subplots(1, len(drawn), squeeze=False)[0]
    points = history.points
    xs, dates = x_positions(points)
    if dates:
        xs_plot: list[Any] = [datetime.fromtimestamp(x, UTC) for x in xs]
    else:
        xs_plot = xs
    for ax, panel in zip(axes, drawn, strict=True):
        for series in panel.series:
            ax.plot(xs_plot, series.values, marker="o", markersize=3, color=series.color,
                    label=series.name)
        ax.set_title(panel.title)
        ax.set_ylim(0, 100 if panel.percent else None)
        ax.grid(True, color="#eeeeee")
        ax.legend(loc="best", fontsize="small")
        if dates:
            locator = date_locator(xs[0], xs[-1])
            ax.xaxis.set_major_locator(locator)
            ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    fig.savefig(path, format="png", dpi=100)
