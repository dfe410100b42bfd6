"""The monthly report's charts: matplotlib drawn to inline SVG, so the HTML is one file."""

from __future__ import annotations

import io
from typing import Any

import pandas as pd

NHS_BLUE = "#005eb8"
LIGHT_BLUE = "#41b6e6"
WARM = "#ed8b00"
RED = "#da291c"
GREY = "#768692"
GREEN = "#009639"


def _figure(width: float, height: float) -> Any:
    """A matplotlib figure not managed by pyplot (pyplot is slow to import and keeps state)."""
    import matplotlib
    from matplotlib.figure import Figure

    matplotlib.rcParams.update(
        {
            "svg.fonttype": "none",
            "font.family": "DejaVu Sans",
            "font.size": 8,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "svg.hashsalt": "custody",
        }
    )
    return Figure(figsize=(width, height))


def _svg(fig: Any) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def trend_chart(trend: pd.DataFrame) -> str:
    """Transfers per month, on disc and electronic, with discs lost."""
    fig = _figure(7.2, 2.6)
    ax = fig.subplots()
    months = [m[2:] for m in trend["month"]]
    ax.bar(months, trend["sent_on_disc"], color=NHS_BLUE, label="sent on disc")
    ax.bar(
        months,
        trend["electronic"],
        bottom=trend["sent_on_disc"],
        color=LIGHT_BLUE,
        label="sent electronically",
    )
    ax.set_ylabel("transfers")
    ax.tick_params(axis="x", labelsize=7)
    right = ax.twinx()
    right.plot(months, trend["lost"], color=RED, marker="o", ms=3, label="discs lost")
    right.set_ylabel("discs lost")
    right.set_ylim(bottom=0)
    right.spines["right"].set_visible(True)
    handles = ax.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    labels = ax.get_legend_handles_labels()[1] + right.get_legend_handles_labels()[1]
    ax.legend(
        handles,
        labels,
        loc="upper left",
        ncols=4,
        fontsize=7,
        frameon=False,
        bbox_to_anchor=(0, 1.16),
    )
    return _svg(fig)


def turnaround_chart(partners: pd.DataFrame) -> str:
    """Median and 90th percentile working days to receipt, per partner."""
    rows = partners.iloc[::-1]
    fig = _figure(7.2, 0.35 * len(rows) + 0.8)
    ax = fig.subplots()
    labels = [str(p).split(" ")[0] if p != "Total" else "All" for p in rows["partner"]]
    y = range(len(rows))
    ax.barh(
        [i + 0.2 for i in y],
        rows["p90_days_to_receipt"].fillna(0),
        height=0.4,
        color=LIGHT_BLUE,
        label="90th percentile",
    )
    ax.barh(
        [i - 0.2 for i in y],
        rows["median_days_to_receipt"].fillna(0),
        height=0.4,
        color=NHS_BLUE,
        label="median",
    )
    ax.set_yticks(list(y), labels)
    ax.set_xlabel("working days from dispatch to receipt")
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncols=2, fontsize=7, frameon=False)
    return _svg(fig)


def incidents_chart(incidents: pd.DataFrame) -> str:
    """Incidents found in the month by reason, split by IR1 status."""
    rows = incidents.iloc[::-1]
    fig = _figure(7.2, 0.3 * len(rows) + 0.8)
    ax = fig.subplots()
    y = list(range(len(rows)))
    left = [0] * len(rows)
    for column, colour, label in (
        ("to_file", RED, "to file"),
        ("ir1_filed", WARM, "IR1 filed"),
        ("ir1_closed", GREEN, "closed"),
    ):
        values = rows[column].tolist()
        ax.barh(y, values, left=left, color=colour, label=label, height=0.6)
        left = [a + b for a, b in zip(left, values, strict=True)]
    ax.set_yticks(y, rows["reason"].tolist())
    ax.set_xlabel("incidents found in the month")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncols=3, fontsize=7, frameon=False)
    return _svg(fig)
