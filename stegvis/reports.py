"""The board's meeting report as a PDF (reportlab, charts rendered by plotly + kaleido) and
as an Excel workbook (one sheet per table, formula-safe). Both are built from the same
`BoardReport` as the dashboard, so every figure and every suppression agrees."""

from __future__ import annotations

import io
from datetime import date

import numpy as np
import pandas as pd

from indicators.board import BoardReport, Table
from indicators.disclosure import SUPPRESSED_TEXT, SUPPRESSED_WHY, decimal, display, percent
from indicators.goals import group_label
from foundation.errors import StegvisError

GOAL_DIMENSIONS = {"gender": "kön", "age_group": "ålder", "time_in_programme": "tid i insatsen"}


def _format(value, unit: str) -> str:
    if unit == "andel":
        return percent(value)
    if unit == "procentenheter":
        return display(None if value is None else value * 100, "{:+.0f} procentenheter")
    if unit == "förändring":
        return decimal(value, signed=True)
    if unit in ("medel", "månader"):
        return decimal(value)
    return display(value, "{:.0f}")


def assessment(goal) -> str:
    return SUPPRESSED_TEXT if goal.met is None else ("uppnått" if goal.met else "ej uppnått")


def goal_table(report: BoardReport) -> pd.DataFrame:
    programmes = {p.id: p for p in report.programmes}
    rows = []
    for goal in report.goals:
        programme = programmes[goal.programme]
        row = {"Insats": programme.name.sv, "Mål": goal.label, "Målnivå": percent(goal.target),
               "Uppnått antal": display(goal.numerator), "Av": display(goal.denominator),
               "Utfall": percent(goal.share), "Bedömning": assessment(goal)}
        for dimension, cells in goal.breakdowns.items():
            for group, share in cells.items():
                row[f"Utfall {group_label(programme, dimension, group).lower()}"] = percent(share)
        rows.append(row)
    frame = pd.DataFrame(rows).fillna("–")  # a group with no one in it for this goal
    # a breakdown column with nothing shown in it says nothing; the JSON keeps every count
    empty = [c for c in frame.columns if c.startswith("Utfall ") and frame[c].isin([SUPPRESSED_TEXT, "–"]).all()]
    return frame.drop(columns=empty)


def frame(table: Table, shares: list[list] | None = None) -> pd.DataFrame:
    """A table as shown: labels in the first column, hidden figures as the suppression text."""
    rows = []
    for r, ((_, label), values) in enumerate(zip(table.rows, table.values)):
        row = {"": label}
        for c, (column, value) in enumerate(zip(table.columns, values)):
            text = _format(value, column.unit)
            if shares is not None and value is not None and shares[r][c] is not None:
                text = f"{text} ({percent(shares[r][c])})"
            row[column.label] = text
        rows.append(row)
    return pd.DataFrame(rows)


def tables(report: BoardReport) -> dict[str, pd.DataFrame]:
    """Every table of the report as shown, by title: hidden figures read 'för få svar'."""
    from indicators.board import outcome_shares

    result = {"Mål": goal_table(report)} if report.goals else {}
    for table in report.tables:
        if table.id.startswith("goal/"):
            continue  # summarised in "Mål"; the counts by group are in the JSON
        shares = outcome_shares(table, report.views[table.programme], report.period) \
            if table.id.startswith("outcomes/") else None
        result[table.title] = frame(table, shares)
    result["Metod"] = pd.DataFrame({"Så räknas siffrorna": report.notes})
    return result


def json_bytes(report: BoardReport) -> bytes:
    import json

    return json.dumps(as_json(report), ensure_ascii=False, indent=2).encode()


def _number(value):
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return int(value) if isinstance(value, (int, np.integer)) else float(value)


def as_json(report: BoardReport) -> dict:
    """Every figure of the report for other tools and for auditing what was published: hidden
    figures are null; each table names its rows and columns and which of them are totals."""
    from indicators.board import outcome_shares

    tables = []
    for table in report.tables:
        entry = {
            "id": table.id, "title": table.title, "programme": table.programme,
            "rows": [{"id": r, "label": label, "total": r == table.total_row} for r, label in table.rows],
            "columns": [{"id": c.id, "label": c.label, "unit": c.unit, "total": c.total} for c in table.columns],
            "values": [[_number(v) for v in row] for row in table.values],
        }
        if table.id.startswith("outcomes/"):
            entry["shares"] = [[_number(v) for v in row]
                               for row in outcome_shares(table, report.views[table.programme], report.period)]
        tables.append(entry)
    return {
        "report": "styrelserapport",
        "title": report.title,
        "programme": report.programme_id,
        "programmes": [p.id for p in report.programmes],
        "period": {"id": report.period.id, "kind": report.period.kind, "label": report.period.label,
                   "start": report.period.start.isoformat(), "end": report.period.end.isoformat()},
        "protection": {"k": report.protection.k, "interval": report.protection.interval,
                       "hidden_means": SUPPRESSED_WHY.format(k=report.protection.k)},
        "generated": date.today().isoformat(),
        "goals": [{"programme": g.programme, "id": g.id, "label": g.label, "target": g.target,
                   "numerator": g.numerator, "denominator": g.denominator, "share": g.share, "met": g.met,
                   "breakdowns": g.breakdowns} for g in report.goals],
        "mean_months": report.mean_months,
        "tables": tables,
        "notes": report.notes,
    }


def xlsx(report: BoardReport) -> bytes:
    from stegvis.safe_export import xlsx_bytes

    return xlsx_bytes(tables(report))


def goal_bars_input(report: BoardReport) -> list[dict]:
    """What the goal chart shows: a hidden share never stands beside its own counts."""
    names = {p.id: p.name.sv for p in report.programmes}
    return [{"label": f"{names[g.programme]}: {g.label}", "share": g.share, "target": g.target,
             "note": f"{g.numerator} av {g.denominator}" if g.share is not None else SUPPRESSED_TEXT}
            for g in report.goals]


def goal_chart_png(report: BoardReport) -> bytes:
    """The goal bars as a PNG (kaleido needs a Chrome or Chromium on the machine)."""
    from stegvis.charts import goal_bars

    figure = goal_bars(goal_bars_input(report))
    figure.update_layout(width=900)
    try:
        return figure.to_image(format="png", scale=2)
    except Exception as exc:  # kaleido's errors are varied; the cause is nearly always a missing browser
        raise StegvisError("kunde inte rita diagrammen till PDF:en: kaleido behöver Chromium "
                           f"(apt-get install chromium). ({str(exc).splitlines()[0][:120]})") from None


def pdf(report: BoardReport, progress=None) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import Image, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
    from xml.sax.saxutils import escape

    step = progress or (lambda fraction, text: None)
    styles = getSampleStyleSheet()
    body = styles["BodyText"]
    story = [Spacer(1, 5 * cm), Paragraph("Rapport till styrelsen", styles["Title"]),
             Paragraph(escape(report.title), styles["Heading2"]),
             Paragraph(f"{escape(report.period.label)}: {report.start.isoformat()} – {report.end.isoformat()}",
                       styles["Heading3"]),
             Spacer(1, 1 * cm),
             Paragraph(f"Framtagen {date.today().isoformat()} med Stegvis. Inga uppgifter om enskilda personer. "
                       f"Där det står ”{SUPPRESSED_TEXT}” är det {escape(SUPPRESSED_WHY.format(k=report.k))}.", body),
             PageBreak()]
    step(0.2, "Diagram")
    if report.goals:
        story += [Paragraph("Mål", styles["Heading1"]),
                  Image(io.BytesIO(goal_chart_png(report)), width=17 * cm,
                        height=17 * cm * (140 + 90 * max(1, len(report.goals))) / 900)]
    step(0.6, "Tabeller")

    def table(frame: pd.DataFrame, title: str):
        if frame.empty:
            return [Paragraph(escape(title), styles["Heading2"]), Paragraph("Inga uppgifter för perioden.", body)]
        cell = styles["BodyText"].clone("cell", fontSize=7.5, leading=9)
        data = [[Paragraph(f"<b>{escape(str(c))}</b>", cell) for c in frame.columns]]
        data += [[Paragraph(escape(str(v)), cell) for v in row] for row in frame.itertuples(index=False)]
        grid = Table(data, repeatRows=1, hAlign="LEFT")
        grid.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                                  ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef6")),
                                  ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        return [Paragraph(escape(title), styles["Heading2"]), grid, Spacer(1, 0.5 * cm)]

    for title, frame in tables(report).items():
        if title == "Metod":
            story += [PageBreak(), Paragraph("Så räknas siffrorna", styles["Heading1"])]
            story += [Paragraph("• " + escape(note), body) for note in report.notes]
        else:
            story += table(frame, title)
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title=f"Styrelserapport {report.title}", author="Stegvis",
                      leftMargin=1.8 * cm, rightMargin=1.8 * cm).build(story)
    step(1.0, "Klar")
    return buffer.getvalue()
