"""The board's meeting report as a PDF (reportlab, charts rendered by plotly + kaleido) and
as an Excel workbook (one sheet per table, formula-safe). Both are built from the same
`BoardReport` as the dashboard, so every figure and every suppression agrees."""

from __future__ import annotations

import io
from datetime import date

import pandas as pd

from indicators.board import BoardReport, percent
from indicators.goals import GENDER_LABELS, group_label
from indicators.suppression import SUPPRESSED_TEXT, display
from stegvis.errors import StegvisError


def _count(value) -> str:
    return display(value, "{:.0f}")


def goal_table(report: BoardReport) -> pd.DataFrame:
    rows = []
    for programme in report.programmes:
        for goal in report.goals.get(programme.id, []):
            row = {"Insats": programme.name.sv, "Mål": goal.label, "Målnivå": percent(goal.target),
                   "Uppnått antal": _count(goal.numerator), "Av": _count(goal.denominator),
                   "Utfall": percent(goal.share),
                   "Bedömning": "för få svar" if goal.met is None else ("uppnått" if goal.met else "ej uppnått")}
            for dimension in ("gender", "age_group"):  # age group where the goal declares it
                for group, cell in goal.breakdowns.get(dimension, {}).items():
                    row[f"Utfall {group_label(programme, dimension, group).lower()}"] = percent(cell.share)
            rows.append(row)
    return pd.DataFrame(rows).fillna("–")  # a group with no one in it for this goal


def outcome_tables(report: BoardReport) -> dict[str, pd.DataFrame]:
    tables = {}
    for programme_id, table in report.outcomes.items():
        programme = next(p for p in report.programmes if p.id == programme_id)
        shares = table.shares()
        columns = table.genders + ["alla"]
        rows = []
        for outcome in [*programme.outcomes, None]:
            key = outcome.id if outcome else "alla"
            rows.append({"Avslutsorsak": outcome.label.sv if outcome else "Summa", **{
                GENDER_LABELS.get(g, g): _count_and_share(table.counts.loc[key, g], shares.loc[key, g])
                for g in columns}})
        tables[programme.name.sv] = pd.DataFrame(rows)
    return tables


def _count_and_share(count, share) -> str:
    if pd.isna(count):
        return SUPPRESSED_TEXT
    return f"{int(count)}" if pd.isna(share) else f"{int(count)} ({percent(share)})"


def formatted(frame: pd.DataFrame, shares: tuple[str, ...] = (), decimals: tuple[str, ...] = ()) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if column in shares or column.startswith("Andel") or column in ("Svarsfrekvens", "Föregående period"):
            out[column] = out[column].map(percent)
        elif column == "Förändring":
            out[column] = out[column].map(lambda v: SUPPRESSED_TEXT if v is None or pd.isna(v)
                                          else f"{v * 100:+.0f} procentenheter")
        elif column.startswith("Medel"):
            out[column] = out[column].map(lambda v: display(v, "{:+.1f}") if "förändring" in column else
                                          display(v, "{:.1f}"))
        elif column in ("n", "Nya", "Aktiva", "Avslutade", "Antal"):
            out[column] = out[column].map(_count)
    return out


def tables(report: BoardReport) -> dict[str, pd.DataFrame]:
    """Every table of the report, as shown: hidden figures read 'för få svar'."""
    result = {"Mål": goal_table(report)}
    result.update({f"Avslut {name}": table for name, table in outcome_tables(report).items()})
    if not report.indicators.empty:
        result["Indikatorer"] = formatted(report.indicators)
    if not report.kasam.empty:
        result["KASAM"] = formatted(report.kasam)
    result["Deltagare per månad"] = formatted(report.flow)
    result["Tid i insatsen"] = formatted(report.durations)
    result["Metod"] = pd.DataFrame({"Så räknas siffrorna": report.notes})
    return result


def xlsx(report: BoardReport) -> bytes:
    from stegvis.safe_export import xlsx_bytes

    return xlsx_bytes(tables(report))


def goal_chart_png(report: BoardReport) -> bytes:
    """The goal bars as a PNG (kaleido needs a Chrome or Chromium on the machine)."""
    from dashboards.charts import goal_bars

    goals = [{"label": f"{p.name.sv}: {g.label}", "share": g.share, "target": g.target,
              "note": f"{g.numerator} av {g.denominator}" if g.share is not None else SUPPRESSED_TEXT}
             for p in report.programmes for g in report.goals.get(p.id, [])]
    figure = goal_bars(goals)
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
             Paragraph(f"Period {report.start.isoformat()} – {report.end.isoformat()}", styles["Heading3"]),
             Spacer(1, 1 * cm),
             Paragraph(f"Framtagen {date.today().isoformat()} med Stegvis. Inga uppgifter om enskilda personer. "
                       f"Siffror som bygger på färre än {report.k} personer visas som ”för få svar”.", body),
             PageBreak()]
    step(0.2, "Diagram")
    story += [Paragraph("Mål", styles["Heading1"]), Image(io.BytesIO(goal_chart_png(report)), width=17 * cm,
                                                           height=17 * cm * (140 + 90 * max(1, sum(
                                                               len(v) for v in report.goals.values()))) / 900)]
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
