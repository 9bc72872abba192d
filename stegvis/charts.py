"""Plotly figures shared by the participant and coach pages: labels from the text catalogue in
the reader's language, readable at tablet width, and the Okabe–Ito palette, which colour-blind
readers can tell apart. The board's goal bars are HTML (stegvis.reports.goal_bars_html)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from foundation.texts import t
from surveys.models import Instrument

from stegvis.palette import BLUE, GREEN, GREY, ORANGE, PURPLE, SKY, VERMILION, YELLOW  # noqa: F401
SERIES = [BLUE, ORANGE, GREEN, VERMILION, PURPLE, SKY]
BAND_FILLS = {"low": "rgba(213, 94, 0, 0.10)", "moderate": "rgba(240, 228, 66, 0.16)", "high": "rgba(0, 158, 115, 0.10)"}
OCCASION = "occasion_label"  # the column of a frame the charts put along the x axis
FONT = dict(family="Source Sans Pro, sans-serif", size=15)


def layout(fig: go.Figure, title: str | None = None, height: int = 420) -> go.Figure:
    fig.update_layout(title=title, height=height, font=FONT, margin=dict(l=40, r=20, t=60 if title else 20, b=40),
                      legend=dict(orientation="h", yanchor="bottom", y=-0.25), hoverlabel=dict(font_size=15),
                      paper_bgcolor="white", plot_bgcolor="white")
    return fig


def radar(instrument: Instrument, current: dict, previous: dict | None = None, lang: str = "sv",
          title: str | None = None) -> go.Figure:
    """Current and desired state per life area, and the previous current state when there is one.
    `current` and `previous` map item ids to answers (missing items are left out)."""
    areas = instrument.current_desired
    labels = [a.label.get(lang) for a in areas]
    low, high = instrument.item_range(areas[0].current) if areas else (1, 10)

    def trace(values, name, colour, dash=None, fill=None):
        closed = values + values[:1]
        return go.Scatterpolar(r=closed, theta=labels + labels[:1], name=name, mode="lines+markers",
                               line=dict(color=colour, width=3, dash=dash), fill=fill, connectgaps=True,
                               hovertemplate="%{theta}: %{r}<extra>" + name + "</extra>")

    fig = go.Figure()
    fig.add_trace(trace([current.get(a.desired) for a in areas], t("chart.desired", lang), GREEN, "dash"))
    if previous:
        fig.add_trace(trace([previous.get(a.current) for a in areas], t("chart.last_time", lang), GREY, "dot"))
    fig.add_trace(trace([current.get(a.current) for a in areas], t("chart.now", lang), BLUE, None, "toself"))
    fig.update_layout(polar=dict(radialaxis=dict(range=[low - 0.5, high], tickvals=list(range(low, high + 1)),
                                                 angle=90, tickfont=dict(size=12))))
    return layout(fig, title, height=460)


def gaps_table(instrument: Instrument, current: dict, first: dict | None, lang: str = "sv") -> pd.DataFrame:
    """Per life area: now, desired, the gap between them, and change since the first time."""
    rows = []
    for area in instrument.current_desired:
        now, wish = current.get(area.current), current.get(area.desired)
        start = first.get(area.current) if first else None
        rows.append({
            t("chart.gaps.area", lang): area.label.get(lang),
            t("chart.gaps.now", lang): now, t("chart.gaps.desired", lang): wish,
            t("chart.gaps.gap", lang): None if now is None or wish is None else wish - now,
            t("chart.gaps.change", lang): None if now is None or start is None else now - start,
        })
    return pd.DataFrame(rows)


def lines_over_time(frame: pd.DataFrame, columns: dict[str, str], *, y_range=None, title: str | None = None,
                    x: str = OCCASION) -> go.Figure:
    """One line per column across occasions. `frame` has an `x` column; `columns` maps column → label."""
    fig = go.Figure()
    for n, (column, label) in enumerate(columns.items()):
        fig.add_trace(go.Scatter(x=frame[x], y=frame[column], name=label, mode="lines+markers",
                                 line=dict(color=SERIES[n % len(SERIES)], width=3), marker=dict(size=9),
                                 hovertemplate=f"{label}: %{{y:.1f}}<extra>%{{x}}</extra>"))
    if y_range:
        fig.update_yaxes(range=y_range)
    fig.update_xaxes(type="category")
    return layout(fig, title)


def scale_over_time(instrument: Instrument, scale_id: str, frame: pd.DataFrame, lang: str = "sv",
                    x: str = OCCASION) -> go.Figure:
    """One scale across occasions with its declared bands shaded and flag thresholds drawn."""
    scale = instrument.scale(scale_id)
    items = len(scale.items)
    lows, highs = zip(*(instrument.item_range(i) for i in scale.items))
    bottom, top = (sum(lows), sum(highs)) if scale.method == "sum" else (min(lows), max(highs))
    fig = lines_over_time(frame, {scale_id: scale.label.get(lang)}, y_range=[bottom, top], x=x)
    for band in scale.bands:
        low, high = band.min if band.min is not None else bottom, band.max if band.max is not None else top
        fig.add_hrect(y0=low, y1=high, fillcolor=BAND_FILLS.get(band.id, "rgba(153,153,153,0.1)"), line_width=0,
                      layer="below")
        # named in the margin beside the band, where no data point can be (inside, "Låg" sat on one)
        fig.add_annotation(x=1.01, xref="paper", xanchor="left", y=(low + high) / 2, yref="y", showarrow=False,
                           text=band.label.get(lang))
    for flag in scale.flags:
        level = flag.below if flag.below is not None else flag.at_least
        # named in the legend, not beside the line: a label there sat on the data line
        fig.add_hline(y=level, line=dict(color=VERMILION, dash="dash", width=2))
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name=flag.label.get(lang), hoverinfo="skip",
                                 line=dict(color=VERMILION, dash="dash", width=2)))
    fig.update_layout(title=t("chart.scale_title", lang, scale=scale.label.get(lang), items=items, low=bottom,
                                high=top), margin=dict(r=80))
    return fig

