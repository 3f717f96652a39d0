"""The digest's charts as PNG images, drawn on the server (matplotlib's Agg backend: no
display, no browser, no network), for the e-mail (inline images) and the page alike.

Drawn from the stored snapshot, so a past week's chart is that week's.
"""

from __future__ import annotations

import io
from typing import Any

from django.utils.translation import gettext as _

CHARTS = ("funnel", "channels")
_SIZE = (6.4, 3.0)
_BLUE, _GREY, _GREEN, _RED = "#2563eb", "#cbd5e1", "#16a34a", "#dc2626"


def _figure() -> Any:
    from matplotlib.figure import Figure  # Agg through FigureCanvasAgg; no pyplot state

    figure = Figure(figsize=_SIZE, dpi=100)
    return figure, figure.add_subplot()


def _png(figure: Any) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _funnel(content: dict[str, Any]) -> bytes:
    figure, axes = _figure()
    rows = content["funnel"]["rows"]
    labels = [r["stage"].upper() for r in rows]
    xs = range(len(rows))
    axes.bar([x - 0.2 for x in xs], [r["plan_month"] or 0 for r in rows], 0.4, color=_GREY,
             label=_("plan for the month"))  # fmt: skip
    axes.bar([x + 0.2 for x in xs], [r["month_to_date"] for r in rows], 0.4, color=_BLUE,
             label=_("month to date"))  # fmt: skip
    axes.set_xticks(list(xs), labels)
    axes.set_yscale("symlog")
    axes.legend(frameon=False, fontsize=8)
    axes.set_title(_("Funnel vs plan, %(month)s") % {"month": content["funnel"]["month"]})
    return _png(figure)


def _channels(content: dict[str, Any]) -> bytes:
    figure, axes = _figure()
    rows = [r for r in content["channels"]["rows"] if r["romi"] is not None]
    rows.sort(key=lambda r: r["romi"])
    values = [r["romi"] * 100 for r in rows]
    axes.barh([r["channel"] for r in rows], values,
              color=[_GREEN if v >= 0 else _RED for v in values])  # fmt: skip
    axes.axvline(0, color="#334155", linewidth=0.8)
    axes.set_xlabel("ROMI, %")
    axes.set_title(_("ROMI by channel, last twelve weeks"))
    return _png(figure)


def chart_png(content: dict[str, Any], name: str) -> bytes:
    if name not in CHARTS:
        raise KeyError(name)
    return _funnel(content) if name == "funnel" else _channels(content)
