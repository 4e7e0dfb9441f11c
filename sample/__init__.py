"""What presskeep runs against locally, shared by `make demo`, tests/ and bench/.

tests/ and bench/ never import each other; what both need lives here:

- site.py, server.py, demo.py: the bundled demo news site (36 articles in three
  templates, sitemaps, a feed, a PDF), its in-memory loopback server, and `make demo`
  (``python -m sample.demo``).
- large_site.py: the deterministic link-heavy news site of N articles written as static
  files (5,000 articles = 5,401 pages for the crawl benchmark).
- daemons.py: nginx and redis-server on free loopback ports.
- synthetic_archive.py: an archive of N synthetic article rows (export benchmark and tests).
- evaluation.py: the cleaning evaluation (benchmark page sets, metric, compared extractors)
  behind bench.eval_* and tests/test_eval_floor.py.
- articles.py: seeded English article pages (the fault server, synthetic archives).
- foreign_warcs.py: WARC, ARC and WACZ files shaped as other tools write them, damaged
  ones too (tests of foreign archives, bench.foreign_corpus).
- multilingual.py: the seven-language site of articles, briefs and hubs
  (tests/test_multilingual.py, bench.eval_language).
- processes.py: the peak memory of a running process tree (tests and bench.measure).

Not installed with presskeep (repository only).
"""
