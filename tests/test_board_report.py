"""The board's view: the same protected figures on screen, in the PDF, in the workbook and in
the JSON; never a participant code or a free-text answer; only periods of the grid."""

import html
import io
import re
import time
from datetime import date

import pandas as pd
import pytest
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

import json

from indicators.goals import evaluate_goals
from stegvis import reports

SUPPRESSED_TEXT = reports.suppressed()  # "för få svar"
from stegvis.access import Access
from stegvis.accounts import get_user
from stegvis.safe_export import sheet_name, sheet_names
from surveys.store import load_catalog
from stegvis.cli import run
from foundation.errors import StegvisError
from surveys.definitions import shipped_catalog
from stegvis.database import open_db

END = date(2026, 11, 23)
PERIOD = "hela"  # every completed quarter: the largest figures, and still some hidden


@pytest.fixture(scope="module")
def demo(tmp_path_factory, demo_copy):
    # One copy for the module: the report below is computed once and only read.
    path = demo_copy(tmp_path_factory.mktemp("board") / "demo.db", today=END)
    db = open_db(path)
    report = Access(db, get_user(db, "styrelse"), shipped_catalog()).board_report("jobbvagen_ar", PERIOD)
    return path, db, report


def codes(db):
    return {r[0] for r in db.execute("SELECT code FROM participants")}


def free_texts(db):
    return {r[0] for r in db.execute("SELECT value_text FROM answers a WHERE a.item_id IN "
                                     "('kommentar', 'bra', 'battre', 'vad_hande') AND value_text IS NOT NULL")}


def test_goal_figures_equal_the_engines(demo):
    _, db, report = demo
    programme = shipped_catalog().programme("jobbvagen_ar")
    enrolments = Access(db, get_user(db, "admin"), shipped_catalog()).aggregate_inputs("jobbvagen_ar")["enrolments"]
    period = (report.period.start.isoformat(), report.period.end.isoformat())
    engine = evaluate_goals(programme, enrolments, period=period)[0]
    shown = report.goals[0]
    assert shown.denominator == engine.denominator > 20
    assert shown.numerator in (None, engine.numerator) and shown.share in (None, engine.share)
    assert (shown.numerator is None) == (shown.share is None), "a hidden share never stands beside its count"


def test_workbook_holds_the_same_figures_and_no_formulas(demo):
    _, db, report = demo
    book = load_workbook(io.BytesIO(reports.xlsx(report)))
    goals = book["Mål"]
    header = [c.value for c in goals[1]]
    row = dict(zip(header, [c.value for c in goals[2]]))
    goal = report.goals[0]
    assert row["Uppnått antal"] in (goal.numerator, SUPPRESSED_TEXT) and row["Av"] == goal.denominator
    assert row["Utfall"] == SUPPRESSED_TEXT if goal.share is None else row["Utfall"] == pytest.approx(goal.share)
    table = report.table("goal/jobbvagen_ar/nasta_steg")  # every declared breakdown is published, hidden or not
    assert {"age_group:age_under_30", "age_group:age_30_plus"} <= {c.id for c in table.columns}
    assert all(h in header for h in ("Utfall under 30 år", "Utfall 30 år och äldre")) or \
        all(share is None for share in report.goals[0].breakdowns["age_group"].values()), \
        "a breakdown column is left out of the summary only when nothing in it is shown"
    cells = [c.value for sheet in book for line in sheet.iter_rows() for c in line if c.value is not None]
    assert not any(isinstance(v, str) and v.startswith("=") for v in cells)
    text = " ".join(map(str, cells))
    assert SUPPRESSED_TEXT in text
    assert not any(code in text for code in codes(db))
    assert not any(t in text for t in free_texts(db))


def test_workbook_figures_are_numbers_with_formats_under_a_frozen_header(demo):
    """Counts, shares, means and changes can be summed and charted: numbers with a number format
    (a share 0–1 shown as a percentage), never text such as '29' or '100 %'; only a hidden figure
    is text, and nothing is a formula."""
    _, _, report = demo
    book = load_workbook(io.BytesIO(reports.xlsx(report)))
    assert list(book.sheetnames) == list(sheet_names(reports.tables(report)).values()), \
        "the sheets of the page's tables, in their order"
    kinds = {}
    for sheet in book:
        assert sheet.freeze_panes in ("A2", "B2", "C2"), f"{sheet.title}: the header row stays in view"
        for line in sheet.iter_rows(min_row=2):
            for cell in line:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula"
                if isinstance(cell.value, str):
                    assert not cell.value.replace("\u00a0", " ").rstrip(" %").lstrip("+-'").replace(",", "").isdigit(), \
                        f"{sheet.title}!{cell.coordinate}: a figure as text ({cell.value!r})"
                elif cell.value is not None:
                    kinds.setdefault(cell.number_format, []).append(cell.value)
        for column, dimension in sheet.column_dimensions.items():
            assert dimension.width >= 8, f"{sheet.title} column {column} is wide enough to read"
    assert all(isinstance(v, int) for v in kinds["#,##0"]), "counts are whole numbers"
    assert kinds["0 %"] and all(0 <= v <= 1 for v in kinds["0 %"]), "shares are 0–1, shown as percent"
    assert kinds["#,##0.0"] and all(isinstance(v, float) for v in kinds["#,##0.0"]), "means with one decimal"
    assert reports._cell(0.25, "procentenheter", "sv").value == 25 and \
        reports._cell(0.25, "procentenheter", "sv").format == "+0;-0;0", "a change of shares in signed points"
    goals = book["Mål"]
    assert goals.freeze_panes == "C2" and goals["F2"].number_format == "0 %"
    indicators = next(s for s in book if any(c.value == "Förändring (procentenheter)" for c in s[1]))
    assert indicators.freeze_panes == "B2"
    method = [c.value for (c,) in book["Metod"].iter_rows(min_row=2)]
    assert any(f"färre än {report.k} personer" in line for line in method)
    assert any(SUPPRESSED_TEXT in line and "dold" in line for line in method)


def test_workbook_kasam_change_is_a_signed_number(tmp_path, demo_copy):
    from foundation.settings import update_setting

    db = open_db(demo_copy(tmp_path / "k2.db", today=END))
    update_setting(db, "min_cell", "2")  # the demo's KASAM changes are hidden at k = 5
    report = Access(db, get_user(db, "styrelse"), shipped_catalog()).board_report("porten", "2025")
    change = load_workbook(io.BytesIO(reports.xlsx(report)))[
        sheet_names(reports.tables(report))[reports.table_title(report, report.table("change/kasam29"))]]
    signed = [c for line in change.iter_rows(min_row=2) for c in line if c.number_format == "+0.0;-0.0;0.0"]
    assert signed and all(isinstance(c.value, float) for c in signed), "KASAM's mean change is a signed number"


def test_workbook_text_is_formula_safe_and_changes_have_no_apostrophe(demo):
    _, _, report = demo
    book = load_workbook(io.BytesIO(reports.xlsx(report)))
    cells = [c for sheet in book for line in sheet.iter_rows() for c in line]
    assert not any(isinstance(c.value, str) and c.value.startswith("'") for c in cells), \
        "no visible apostrophe: changes are numbers, labels plain text"
    from stegvis.safe_export import Sheet, workbook_bytes

    hostile = load_workbook(io.BytesIO(workbook_bytes({"x": Sheet(["=a"], [["=HYPERLINK(\"x\")"], ["-kritik"], [-2]])})))
    cells = [c for line in hostile["x"].iter_rows() for c in line]
    assert [c.value for c in cells] == ["'=a", "'=HYPERLINK(\"x\")", "'-kritik", -2]
    assert [c.data_type for c in cells] == ["s", "s", "s", "n"]


def test_pdf_holds_the_goal_figures_and_suppressions(demo):
    from pypdf import PdfReader

    _, db, report = demo
    data = reports.pdf(report)  # drawn by reportlab: no browser needed
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    goal = report.goals[0]
    assert f"{goal.denominator}" in text and reports.period_label(report.period) in text
    assert "för få svar" in text and "Så räknas siffrorna" in text
    assert not any(code in text for code in codes(db))


def test_a_year_of_every_programmes_goals_fits_the_pages(demo):
    """Twenty goals in one report: the charts are split per programme and fit a page each
    (one tall chart made reportlab give up with a LayoutError)."""
    from pypdf import PdfReader

    _, db, _ = demo
    report = Access(db, get_user(db, "styrelse"), load_catalog(db)).board_report(None, "2025")
    assert len(report.goals) > reports.GOALS_PER_CHART
    data = reports.pdf(report)  # drawn by reportlab: no browser needed
    assert len(PdfReader(io.BytesIO(data)).pages) >= 3


def test_hidden_figures_agree_on_screen_in_the_workbook_and_in_the_json(demo):
    _, _, report = demo
    table = report.table("outcomes/jobbvagen_ar")
    hidden = sum(v is None for row in table.values for v in row)
    title = reports.table_title(report, table)
    shown = reports.tables(report)[title]
    assert hidden > 0
    assert int((shown.drop(columns="") == SUPPRESSED_TEXT).to_numpy().sum()) == hidden
    book = load_workbook(io.BytesIO(reports.xlsx(report)))
    sheet = book[sheet_name(title)]
    header = [c.value for c in sheet[1]]
    share = [n for n, h in enumerate(header) if h and h.endswith(", andel")]  # each count's share beside it
    assert share and len(share) == len(table.columns)
    counts = [c.value for line in sheet.iter_rows(min_row=2) for n, c in enumerate(line) if n and n not in share]
    assert counts.count(SUPPRESSED_TEXT) == hidden
    published = next(t for t in reports.as_json(report)["tables"] if t["id"] == table.id)
    assert sum(v is None for row in published["values"] for v in row) == hidden
    shares = [c.value for line in sheet.iter_rows(min_row=2) for n, c in enumerate(line) if n in share]
    hidden_shares = sum(s is None and v is not None and row["id"] != "alla" for row, line, values
                        in zip(published["rows"], published["shares"], published["values"])
                        for s, v in zip(line, values))
    assert shares.count(SUPPRESSED_TEXT) == hidden_shares, "a share hidden beside a shown count"
    assert [r["id"] for r in published["rows"] if r["total"]] == ["alla"]
    assert [c["id"] for c in published["columns"] if c["total"]] == ["alla"]


def board_page():
    from dashboards.board import page

    page()


def test_board_page_shows_no_individual(demo, monkeypatch):
    path, db, _ = demo
    monkeypatch.setenv("STEGVIS_DB", str(path))
    test = AppTest.from_function(board_page, default_timeout=60)
    test.session_state["user"] = get_user(db, "styrelse")
    test.session_state["last_seen"] = time.monotonic()
    test.run()
    assert not test.exception, test.exception
    text = "\n".join([str(e.value) for kind in ("markdown", "caption", "header", "subheader", "title")
                      for e in getattr(test, kind)] + [html.unescape(re.sub("<[^>]+>", " ", e.value)) for e in test.html])
    text = text.replace("\\", "").replace("\u00a0", " ")  # as the reader sees it: no escapes, plain spaces
    assert "Uppnått antal" in text, "the tables' text is read too"
    assert "Mål" in text and SUPPRESSED_TEXT in text
    assert not any(code in text for code in codes(db))
    assert not any(t in text for t in free_texts(db))


def test_report_board_command(demo, tmp_path, capsys):
    path, _, _ = demo
    out = tmp_path / "rapport.xlsx"
    assert run(["report", "board", "-p", "porten", "--period", "2025", "--output", str(out), "--db", str(path)]) == 0
    assert load_workbook(out)["Mål"]["A2"].value == "Porten"
    assert run(["report", "board", "--period", "2025", "--output", str(tmp_path / "x.doc"), "--db", str(path)]) == 1
    assert ".pdf, .xlsx or .json" in capsys.readouterr().err
    published = tmp_path / "r.json"
    assert run(["report", "board", "-p", "porten", "--period", "2025-H2", "--output", str(published),
                "--db", str(path)]) == 0
    data = json.loads(published.read_text())
    assert data["period"] == {"id": "2025-H2", "kind": "halvar", "label": "Halvår 2 2025 (jul–dec)",
                              "start": "2025-07-01", "end": "2025-12-31"}
    assert {t["id"] for t in data["tables"]} >= {"goal/porten/arbete_studier", "flow"}
    assert "outcomes/porten" not in {t["id"] for t in data["tables"]}, "breakdowns: years and the whole time"
    assert any("halvår" in note for note in data["notes"])


def test_only_periods_of_the_grid_are_offered(demo, capsys):
    """Free dates let two reports a day apart single out whoever came or left that day."""
    path, db, _ = demo
    board = Access(db, get_user(db, "styrelse"), shipped_catalog())
    offered = [p.id for p in board.board_periods().periods]
    assert {"2024", "2025", "2025-H1", "2025-K4", "hela"} <= set(offered)
    assert not any(p.end >= date.today() for p in board.board_periods().periods), "completed periods only"
    for wrong in ("2026-11-13", "2025-11", "2026", "alla"):
        with pytest.raises(StegvisError, match="styrelsens perioder"):
            board.board_report("porten", wrong)
    assert run(["report", "board", "--period", "2026-11-14", "--output", "x.pdf", "--db", str(path)]) == 1
    assert "styrelsens perioder" in capsys.readouterr().err


def test_a_view_is_computed_once_until_data_or_k_changes(tmp_path, demo_copy):
    from foundation.settings import update_setting

    db = open_db(demo_copy(tmp_path / "memo.db", today=END))
    board = Access(db, get_user(db, "styrelse"), shipped_catalog())
    first = board.board_report("porten", "2025")
    assert board.board_report("porten", "2025") is first, "a rerun of the page reuses the figures"
    assert board.board_report("porten", "2025-H2") is not first
    views = db.execute("SELECT detail FROM audit_log WHERE action = 'view_board_report'").fetchall()
    assert views == [("porten 2025",), ("porten 2025-H2",)], \
        "each view is logged, a rerun of the same view within ten minutes once"
    db.execute("""UPDATE enrolments SET exited_on = '2025-06-20', outcome = 'studier' WHERE id =
                  (SELECT id FROM enrolments WHERE programme_id = 'porten' AND exited_on IS NULL
                   AND started_on < '2025-06-01' LIMIT 1)""")
    after_exit = board.board_report("porten", "2025")
    assert after_exit is not first
    total = ("outcomes", "2025", "alla", "alla")
    assert after_exit.views["porten"].parts[0].true_count(total) == first.views["porten"].parts[0].true_count(total) + 1
    update_setting(db, "min_cell", "3")
    assert board.board_report("porten", "2025").k == 3


def test_goal_chart_states_each_figure_beside_the_bar_and_escapes_every_text():
    from stegvis.palette import ORANGE, VERMILION

    page = reports.goal_bars_html([
        {"label": "Efterstöd: behållit <b>arbetet</b>", "share": 0.72, "target": 0.75, "figure": "72 % (18 av 25)",
         "target_words": "mål 75 %"},
        {"label": "Porten: arbete eller studier", "share": None, "target": 0.70, "figure": SUPPRESSED_TEXT,
         "target_words": "mål 70 %"},
    ])
    rows = re.findall(r'<div class="row">(.*?)</div></div>(?=<div class="row"|</div>$)', page)
    assert len(rows) == 2
    words = re.findall(r'<div class="words">(.*?)$', rows[0])[0]
    assert words == "72 % (18 av 25)<br>mål 75 %", "the figures in words, in a column of their own"
    assert f"{SUPPRESSED_TEXT}<br>mål 70 %" in rows[1] and 'class="bar"' not in rows[1], "a hidden share has no bar"
    assert f'width:72.00%;background:{ORANGE}' in rows[0] and f'left:75.00%;background:{VERMILION}' in rows[0]
    assert "&lt;b&gt;arbetet&lt;/b&gt;" in page and "<b>" not in page, "a label from a definition is text"
    legend = re.findall(r'<span class="key[^"]*" style="background:([^"]+)"></span>([^<]+)</span>', page)
    assert legend == [(ORANGE, "Ej uppnått"), (VERMILION, "Mål")], "only the colours drawn, each named"


def test_the_goal_chart_and_summary_use_the_readers_number_format(demo):
    _, _, report = demo
    bars = reports.goal_bars_input(report)
    shown = [b for b in bars if b["share"] is not None]
    assert shown and all("\u00a0%" in b["figure"] and "\u00a0%" in b["target_words"] for b in shown)
    lines = reports.summary(report)
    assert len(lines) == len(report.goals)
    assert all(line.startswith(("Uppnått: ", "Ej uppnått: ", "Kan inte bedömas: ")) for _, line in lines)
    assert not any(re.search(r"\d\.\d", line) for _, line in lines), "decimal commas, never points"


def test_aggregate_cache_is_bounded_and_forgets_older_versions():
    from stegvis.aggregates import AggregateCache

    cache, catalog = AggregateCache(), object()
    for n in range(8):
        cache.inputs_for(("a.db", f"p{n}", None, 1), lambda n=n: {"n": n})
    assert list(cache.inputs) == [("a.db", f"p{n}", None, 1) for n in range(2, 8)], "the oldest go first"
    key = ("a.db", "p7", None, 1)
    first = cache.report_for((key, "2026-01-01", "2026-12-31", 5), catalog, lambda: ["report"])
    assert cache.report_for((key, "2026-01-01", "2026-12-31", 5), catalog, lambda: ["again"]) is first
    cache.inputs_for(("b.db", "p0", None, 9), lambda: {})  # another database: a's entries stay
    assert len(cache.reports) == 1 and ("a.db", "p2", None, 1) not in cache.inputs
    cache.inputs_for(("a.db", "p7", None, 2), lambda: {"n": 7})  # a's data changed
    assert [k for k in cache.inputs if k[0] == "a.db"] == [("a.db", "p7", None, 2)] and not cache.reports


def test_a_report_asked_for_while_another_thread_computes_it_is_computed_once():
    """Two board members at once, or a page during the warm-up at start: the second waits for
    the first instead of doing the same work beside it; if the first fails, the second computes."""
    import threading

    from stegvis.aggregates import AggregateCache

    cache, catalog, key = AggregateCache(), object(), (("a.db", None, None, 1), "protected", "p")
    cache.inputs_for(key[0], lambda: {})
    started, release, calls = threading.Event(), threading.Event(), []

    def slow():
        calls.append("slow")
        started.set()
        release.wait(10)
        return ["figures"]

    results = []
    first = threading.Thread(target=lambda: results.append(cache.report_for(key, catalog, slow)))
    first.start()
    started.wait(10)
    second = threading.Thread(target=lambda: results.append(cache.report_for(key, catalog, lambda: calls.append("again"))))
    second.start()
    second.join(0.2)
    assert second.is_alive(), "the second waits for the first"
    release.set()
    first.join(10)
    second.join(10)
    assert calls == ["slow"] and results[0] is results[1]

    def fails():
        raise RuntimeError("the database went away")

    other = (key[0], "protected", "q")
    with pytest.raises(RuntimeError):
        cache.report_for(other, catalog, fails)
    assert cache.report_for(other, catalog, lambda: ["next try"]) == ["next try"] and not cache.pending


def test_figures_prepared_at_start_serve_the_first_view_and_log_nothing(demo, monkeypatch):
    from stegvis import access as access_module
    from stegvis.access import prepare_board

    path, _, _ = demo
    db = open_db(path)
    catalog = load_catalog(db)
    access_module._aggregates.clear()
    logged = db.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    prepare_board(db, catalog)
    assert db.execute("SELECT count(*) FROM audit_log").fetchone()[0] == logged, "nobody saw anything"

    def not_again(*args):
        raise AssertionError("protected again")

    monkeypatch.setattr("indicators.board.protect_programme", not_again)
    report = Access(db, get_user(db, "styrelse"), catalog).board_report(None, PERIOD)
    assert report.goals and db.execute("SELECT count(*) FROM audit_log").fetchone()[0] == logged + 1


def test_a_goal_nobody_is_counted_by_says_so_and_not_that_figures_are_hidden(demo):
    """AktSam is shipped without demo participants: its goal counts nobody, which is not a
    hidden figure ("för få svar" would suggest there were some)."""
    _, db, _ = demo
    report = Access(db, get_user(db, "styrelse"), load_catalog(db)).board_report("aktsam", "hela")
    goal = next(g for g in report.goals if g.programme == "aktsam")
    assert goal.denominator == 0 and goal.met is None
    assert reports.assessment(goal) == "inga i målgruppen"
    assert reports.goal_bars_input(report)[0]["figure"] == "inga i målgruppen"


def test_the_page_shows_the_funnel_and_every_durations_table(demo, monkeypatch):
    """The referral funnel is on the page, not only in the files; and when programmes have
    bands of their own the all-programmes page shows each durations table, not none."""
    path, db, _ = demo
    monkeypatch.setenv("STEGVIS_DB", str(path))
    test = AppTest.from_function(board_page, default_timeout=60)
    test.session_state["user"] = get_user(db, "styrelse")
    test.session_state["last_seen"] = time.monotonic()
    test.run()
    assert not test.exception, test.exception
    headers = [h.value for h in test.header]
    assert "Remisser" in headers
    captions = " ".join(c.value for c in test.caption)  # the default view: all programmes, the last year
    assert "Tid i insatsen (avslutade), Porten" in captions


def test_count_and_mean_goals_are_the_protected_flow_figures(demo):
    """Seed 000's "about 45 per twelve months" and "6–12 months" are the flow table's count of
    those who started, and the mean months of those who left, hidden where those counts are."""
    path, db, _ = demo
    board = Access(db, get_user(db, "styrelse"), shipped_catalog())
    seen = set()
    for period in ("hela", "2025", "2025-H1", "2025-T1", "2026-H1"):
        if period not in {p.id for p in board.board_periods().periods}:
            continue
        report = board.board_report("jobbvagen_ar", period)
        goals = {g.id: g for g in report.goals}
        table = report.table("flow")
        flow = dict(zip([c.id for c in table.columns], table.values[table.rows.index(report.period.id)]))
        count, mean = goals["antal_deltagare"], goals["tid_i_insatsen"]
        assert count.measure == "count" and count.value == flow["nya"]
        assert count.met == (None if count.value is None else count.value >= count.target)
        assert mean.denominator == flow["avslutade"]
        if mean.denominator is None:
            assert mean.value is None and mean.met is None, "a mean beside a hidden count"
        else:
            seen.add(period)
            assert mean.met == (6 <= mean.value <= 12)
        assert not any(t.id.startswith("goal/jobbvagen_ar/antal") for t in report.tables)
        row = reports.goal_table(report).set_index("Mål").loc["Cirka 45 nya deltagare per tolv månader"]
        assert row["Målnivå"] == f"minst {count.target}"
        assert row["Utfall"] == (SUPPRESSED_TEXT if count.value is None else f"{count.value} började")
        labels = [g["label"] for g in reports.goal_bars_input(report)]
        assert not any("45 nya" in label for label in labels), "the share chart draws shares only"
    assert seen, "the demo shows a mean somewhere"
    whole = board.board_report("jobbvagen_ar", "hela")
    row = reports.goal_table(whole).set_index("Mål").loc["Tid i insatsen i medel 6–12 månader"]
    assert row["Målnivå"] == "6–12 mån" and row["Utfall"].endswith(" mån") and "," in row["Utfall"]
    assert whole.goals[[g.id for g in whole.goals].index("antal_deltagare")].target == 45 * 33 // 12 + 1


def test_the_pdf_opens_with_the_summary_numbers_its_pages_and_breaks_no_word(demo):
    """Page one says each goal in words; every page has the period and its number; no word or
    figure of the tables is split across lines, and decimals have commas."""
    from pypdf import PdfReader

    _, db, _ = demo
    report = Access(db, get_user(db, "styrelse"), load_catalog(db)).board_report(None, "hela")
    data = reports.pdf(report)  # drawn by reportlab: no browser needed
    pages = [page.extract_text().replace("\u00a0", " ") for page in PdfReader(io.BytesIO(data)).pages]
    assert "Sammanfattning" in pages[0]
    assert sum(line.split(":")[0] in pages[0].replace("\n", " ") for _, line in reports.summary(report)) \
        == len(report.goals) or all(line.split(":")[0] in " ".join(pages[:2]) for _, line in reports.summary(report))
    label = reports.period_label(report.period)
    for n, text in enumerate(pages, start=1):
        assert f"Sida {n}" in text and label in text, f"page {n}"
    text = " ".join(pages)
    assert not re.search(r"\d\.\d", text), "decimal commas, never points"
    tokens = re.findall(r"\w+", text)
    counted = {}
    for token in tokens:
        counted[token] = counted.get(token, 0) + 1
    vocabulary = {}
    for frame in reports.tables(report).values():
        cells = [str(c) for c in frame.columns] + [str(v) for v in frame.to_numpy().ravel()]
        for word in (w for cell in cells for w in re.findall(r"\w+", cell) if len(w) >= 4):
            vocabulary[word] = vocabulary.get(word, 0) + 1
    split = [w for w, n in vocabulary.items() if counted.get(w, 0) < n]
    assert not split, f"words split across lines in the PDF: {split[:20]}"


def test_indicator_means_of_an_instrument_nobody_has_answered_are_missing_not_an_error():
    """A programme's sessions beside an instrument whose scores have no rows yet (every session
    of it still open): each session's mean is missing."""
    from indicators.board import _indicator_means
    from surveys.definitions import shipped_catalog

    catalog = shipped_catalog()
    instrument = next(i for i in catalog.latest_instruments() if i.indicators)
    nobody = pd.DataFrame(columns=["session_id"] + [item.id for item in instrument.items])
    means = _indicator_means(catalog, pd.DataFrame({"session_id": [1, 2]}), {instrument.id: nobody})
    assert len(means) == 2 and means.isna().all().all()


def test_a_warm_up_that_cannot_open_the_database_only_says_so(tmp_path, caplog):
    """`stegvis serve` prepares the board's figures in a thread of its own at start; a database it
    cannot open (here a folder) is written to the log, and the server goes on."""
    from stegvis.entrance import prepare_in_background

    thread = prepare_in_background(tmp_path)
    thread.join(60)
    assert not thread.is_alive()
    assert "Could not prepare the board's figures at start" in caplog.text


def test_a_board_table_on_the_page_is_text_whatever_a_definition_says():
    page = reports.table_html(pd.DataFrame({"<b>Grupp</b>": ["<img src=x onerror=alert(1)>", "a & b"],
                                            "Antal": ["12", None]}))
    assert "<img" not in page and "<b>" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "a &amp; b" in page and "&lt;b&gt;Grupp&lt;/b&gt;" in page
    assert page.count("<tr>") == 3 and page.count('<th scope="col">') == 2


def test_answers_to_a_session_still_open_keep_the_boards_figures(tmp_path, demo_copy):
    """Thirty tablets answering do not throw the board's figures away at every tap: an answer to
    a session still open is in nothing they are made from. Sending it in changes them, and so
    does changing an answer already sent in."""
    from surveys.answers import check_answer, store_answer
    from surveys.sessions import complete_part
    from surveys.store import data_version

    db = open_db(demo_copy(tmp_path / "open.db", today=END))
    board = Access(db, get_user(db, "styrelse"), shipped_catalog())
    survey = shipped_catalog().instrument("deltagare_pagaende")
    session = db.execute("SELECT id FROM survey_sessions WHERE status = 'open' AND instrument_id = ?",
                         [survey.id]).fetchone()[0]
    store_answer(db, session, survey, check_answer(survey, "kommentar", "första"))  # the session has started
    first, version = board.board_report(None, "2025"), data_version(db)
    for text in ("andra", "tredje"):
        store_answer(db, session, survey, check_answer(survey, "kommentar", text))
    assert data_version(db) == version and board.board_report(None, "2025") is first
    complete_part(db, session)
    sent = board.board_report(None, "2025")
    assert data_version(db) > version and sent is not first
    version = data_version(db)
    store_answer(db, session, survey, check_answer(survey, "kommentar", "ändrat efteråt"))
    assert data_version(db) > version and board.board_report(None, "2025") is not sent
