"""Load test: 30 tablets answer KASAM-29 at once through the app's own code path
(surveys.survey_flow: current() then give(), one connection per tablet as per browser
session), 1,000 answers each. Checks that no answer is lost or duplicated and that no
'database is locked' error surfaces; reports p50/p95/p99 of saving one answer.
Target: p99 under 50 ms on 2 cores.

Run: .venv/bin/python benchmarks/load_tablets.py [--tablets 30] [--answers 1000]"""

from __future__ import annotations

import argparse
import math
import statistics
import tempfile
import threading
import time
from pathlib import Path

from surveys.definitions import shipped_catalog
from surveys.sessions import open_visit, visit_for_code
from stegvis.database import open_db
from surveys.store import publish_definitions, record_consent
from surveys.survey_flow import current, give, send_in
from surveys.textpacks import demo_textpack, install_textpack, record_permission


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tablets", type=int, default=30)
    parser.add_argument("--answers", type=int, default=1000)
    args = parser.parse_args()
    catalog = shipped_catalog()
    kasam = catalog.instrument("kasam29")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "load.db"
        db = open_db(path)
        publish_definitions(db)
        record_permission(db, kasam, "LOAD-TEST")
        install_textpack(db, demo_textpack(kasam, "sv"), kasam)
        visits_each = math.ceil(args.answers / len(kasam.items))
        codes: list[list[str]] = []
        for tablet in range(args.tablets):
            db["participants"].insert({"id": tablet + 1, "code": f"LOAD-{tablet}", "gender": "man", "created_at": "x"})
            record_consent(db, tablet + 1, "porten", "2026-01-01", "t", "s")
            codes.append([open_visit(db, catalog, programme_id="porten", occasion="intake", participant_id=tablet + 1,
                                     again=True)[1]  # many visits per tablet, on purpose
                          for _ in range(visits_each)])
        latencies: list[float] = []
        errors: list[str] = []
        given: dict[tuple[int, int], dict[str, int]] = {}
        lock = threading.Lock()
        start_line = threading.Barrier(args.tablets)

        def tablet(number: int) -> None:
            conn = open_db(path)  # one connection per browser session, as dashboards.common.db()
            mine, left = [], args.answers
            start_line.wait()
            try:
                for code in codes[number]:
                    visit = visit_for_code(conn, code)
                    cur = current(conn, catalog, visit.visit)
                    answers = {}
                    for item in cur.instrument.items[:left]:
                        value = 1 + (number + len(mine)) % 7
                        began = time.perf_counter()
                        give(conn, cur, item.id, value)
                        mine.append(time.perf_counter() - began)
                        answers[item.id] = value
                    left -= len(answers)
                    if len(answers) == len(cur.instrument.items):
                        send_in(conn, cur)
                    with lock:
                        given[(number, cur.part.session_id)] = answers
            except Exception as exc:  # anything at all is a failure of the test
                with lock:
                    errors.append(f"tablet {number}: {type(exc).__name__}: {exc}")
            finally:
                conn.close()
                with lock:
                    latencies.extend(mine)

        threads = [threading.Thread(target=tablet, args=(n,)) for n in range(args.tablets)]
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - began
        stored = {(s, i): v for s, i, v in db.execute("SELECT session_id, item_id, value_num FROM answers")}
        expected = {(session, item): value for (_, session), answers in given.items() for item, value in answers.items()}
        lost = [k for k in expected if k not in stored]
        wrong = [k for k in expected if k in stored and stored[k] != expected[k]]
        extra = [k for k in stored if k not in expected]
        latencies.sort()
        quantile = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
        print(f"tablets: {args.tablets}, answers given: {len(latencies)} in {wall:.1f} s "
              f"({len(latencies) / wall:.0f} answers/s)")
        print(f"save one answer: p50 {quantile(0.50):.1f} ms, p95 {quantile(0.95):.1f} ms, "
              f"p99 {quantile(0.99):.1f} ms, max {latencies[-1] * 1000:.1f} ms, "
              f"mean {statistics.mean(latencies) * 1000:.1f} ms (target p99 < 50 ms)")
        print(f"stored rows: {len(stored)}; lost: {len(lost)}, wrong value: {len(wrong)}, unexpected: {len(extra)}")
        print(f"errors (incl. 'database is locked'): {len(errors)}")
        for error in errors[:5]:
            print("  ", error)
        if errors or lost or wrong or extra or len(latencies) != args.tablets * args.answers:
            raise SystemExit("FAILED: answers lost, duplicated or refused")


if __name__ == "__main__":
    main()
