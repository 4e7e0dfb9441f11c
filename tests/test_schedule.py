"""`presskeep schedule`: cron-driven runs in the foreground, never overlapping; the crawl lock."""

from __future__ import annotations

import os

from crawler.resume import crawl_lock
from tests.conftest import TEST_SETTINGS, presskeep, query

SETTINGS = [x for s in TEST_SETTINGS for x in ("-s", s)]


def test_two_scheduled_runs_in_sequence(news_site, tmp_path):
    proc = presskeep("schedule", "--cron", "* * * * * */2", "--max-runs", "2", "--",
                     "crawl", news_site.base_url + "/", "--out", str(tmp_path), *SETTINGS,
                     timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "run 2 ended with exit code 0" in proc.stderr
    runs = query(tmp_path / "presskeep.db", "SELECT * FROM runs ORDER BY id")
    assert [r["outcome"] for r in runs] == ["finished", "finished"]
    assert runs[0]["ended"] <= runs[1]["started"], "runs overlapped"
    assert '"presskeep/capture/responses"' in runs[1]["stats"]
    kinds = query(tmp_path / "presskeep.db", "SELECT DISTINCT record_type FROM captures "
                                             "WHERE run_id = ?", (runs[1]["id"],))
    assert {k[0] for k in kinds} == {"revisit"}


def test_a_run_is_skipped_while_another_crawl_holds_the_lock(news_site, tmp_path):
    with crawl_lock(tmp_path):
        proc = presskeep("crawl", news_site.base_url + "/", "--out", str(tmp_path), *SETTINGS)
        assert proc.returncode == 3
        last = proc.stderr.strip().splitlines()[-1]
        assert last.startswith(f"presskeep: error: {tmp_path} is in use by `presskeep crawl` "
                               f"(pid {os.getpid()}) since "), last
        assert last.endswith("; wait for it or stop it")
        proc = presskeep("schedule", "--cron", "0 0 1 1 *", "--now", "--max-runs", "1", "--",
                         "crawl", news_site.base_url + "/", "--out", str(tmp_path), *SETTINGS)
        assert proc.returncode == 0, proc.stderr
        assert "another crawl holds the lock: skipped" in proc.stderr
    assert not (tmp_path / "presskeep.db").exists()


def test_bad_schedule_arguments_are_one_line_errors(tmp_path):
    for args, needle in ((["--cron", "every hour", "--", "crawl", "http://127.0.0.1:9/"],
                          "not a valid cron expression"),
                         (["--cron", "* * * * *", "--", "extract", "x.html"], "schedule runs")):
        proc = presskeep("schedule", *args)
        assert proc.returncode == 2
        assert needle in proc.stderr and "Traceback" not in proc.stderr
