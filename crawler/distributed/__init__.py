"""Distributed crawling on Redis: scrapy-redis's scheduler and dupefilter, plus a small shim.

Any number of ``presskeep crawl --redis URL`` workers share one request queue and one
dupefilter (scrapy-redis 0.9.x). What presskeep adds at that boundary, one Scrapy
component a module (docs/distributed.md tells the whole story):

- ``scheduler.LeasingScheduler`` subclasses scrapy-redis's scheduler: a popped request
  is moved atomically into the worker's *in-flight* hash (a lease) instead of vanishing,
  the queue is never cleared when one worker finishes, and ``PRESSKEEP_MAX_PAGES`` is
  counted cluster-wide.
- ``frontier.RedisFrontier`` (extension) keeps the worker alive in Redis, acknowledges
  leases, requeues dead workers' leases, turns enqueued URLs into requests, idles and
  stops, and stops the crawl cleanly when Redis goes away.
- ``hostslots.HostSlots`` (downloader middleware) enforces per-host concurrency and delay
  for the whole cluster with a slot table in Redis.
- ``cluster``: what they share (the Redis keys, connecting, configuring a worker, seeding).

The engine's private slot and scrapy-redis's request encoding are reached through
crawler/compat.py.
"""
