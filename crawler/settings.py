"""Scrapy settings for presskeep: polite defaults plus every PRESSKEEP_* setting with its default.

Each PRESSKEEP_* setting is documented in docs/settings.md (a test checks it).
"""

from archive import decode as _decode
from crawler import __version__

BOT_NAME = "presskeep"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# -- politeness ---------------------------------------------------------------
USER_AGENT = f"presskeep/{__version__} (archival crawler; +https://github.com/presskeep/presskeep)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 8
DOWNLOAD_DELAY = 0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 4.0
DOWNLOAD_TIMEOUT = 30
RETRY_TIMES = 2
PRESSKEEP_RETRY_AFTER_MAX = 120  # longest Retry-After waited for before a retry (seconds)
REDIRECT_MAX_TIMES = 20
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
# Scrapy 2.19 starts a code-executing HTTP control server by default; never for us.
REMOTE_CONTROL_ENABLED = False
# Decompressed-size cap (gzip bombs) and Scrapy's own hard cap on a download; every WARC
# reader (replay, extract, serve, reclean) stops a body at the same size (archive/decode.py).
DOWNLOAD_MAXSIZE = _decode.MAX_BODY_SIZE
# A body cut short by the server is archived (WARC-Truncated: disconnect), not dropped.
DOWNLOAD_FAIL_ON_DATALOSS = False
DOWNLOAD_WARNSIZE = 0
DEPTH_PRIORITY = 0
# Scrapy runs CONCURRENT_ITEMS asyncio tasks per response to handle what its callback yields
# (default 100: ~17 % of an archive-only crawl's CPU went to creating and waking them). Our
# callbacks yield one item and the few new links; 4 keeps the pool busy (docs/performance.md).
CONCURRENT_ITEMS = 4

# -- components ---------------------------------------------------------------
# Scrapy's downloader with CONCURRENT_REQUESTS_PER_DOMAIN enforced under asyncio (crawler/downloader.py)
DOWNLOADER = "crawler.downloader.PoliteDownloader"
# Scrapy's pickle LIFO disk queue (JOBDIR) without an inspect.getmembers a request (crawler/queues.py)
SCHEDULER_DISK_QUEUE = "crawler.queues.LifoDiskQueue"
# Scrapy's HTTP/1.1 handler with a connection pool that keeps its connections (crawler/keepalive.py)
DOWNLOAD_HANDLERS = {
    "http": "crawler.keepalive.KeepAliveHTTP11Handler",
    "https": "crawler.keepalive.KeepAliveHTTP11Handler",
}
DOWNLOADER_MIDDLEWARES = {
    "crawler.incremental.IncrementalMiddleware": 940,
    "crawler.capture.CaptureMiddleware": 950,
    "crawler.guard.AddressGuard": 960,  # last before the network: sees redirects too
    # Scrapy's, with concurrent first requests to a host obeying robots.txt too
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.robots.RobotsTxt": 100,
    # Scrapy's retries, waiting for Retry-After (crawler/retry.py)
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.retry.RetryAfterMiddleware": 550,
}
# `crawl --processes N`: forward the links another process owns (crawler/partition.py);
# after DepthMiddleware (900) in the output chain, so forwarded requests carry their depth
SPIDER_MIDDLEWARES = {
    "crawler.partition.Partition": 50,
}
EXTENSIONS = {
    # Scrapy's AutoThrottle, lowering the delay on a recrawl's 304s too (crawler/throttle.py)
    "scrapy.extensions.throttle.AutoThrottle": None,
    "crawler.throttle.RecrawlAutoThrottle": 0,
    "crawler.gcpolicy.GcThreshold": -1,  # before ArchiveSession: its stat reaches the runs row
    "crawler.session.ArchiveSession": 0,
    "crawler.progress.Progress": 500,
    "crawler.stopping.StopGrace": 500,  # a stopped crawl ends within seconds
}
ITEM_PIPELINES = {
    "pipelines.store.ArticlePipeline": 300,
}
# distributed mode (Redis scheduler, leases, cluster-wide politeness) when PRESSKEEP_REDIS_URL is set
ADDONS = {
    "crawler.addons.Distributed": 0,
    "crawler.addons.LeaveOut": 0,  # components switched off are not even imported
    "crawler.addons.Render": 0,  # PRESSKEEP_RENDER auto/always: scrapy-playwright, Chromium
}

# -- presskeep ----------------------------------------------------------------
PRESSKEEP_OUT = "data"
PRESSKEEP_ARCHIVE_ENABLED = True
PRESSKEEP_WARC_PREFIX = "presskeep"
PRESSKEEP_WARC_MAX_SIZE = 1_000_000_000
PRESSKEEP_WARC_GZIP_LEVEL = 5  # zlib level of each record's gzip member (warcio's own: 9)
PRESSKEEP_GC_THRESHOLD = 10_000  # crawl process: container allocations between young-gen collections (0: Python's 700)
PRESSKEEP_WARC_GZIP_LIBRARY = "zlib-ng"  # deflate implementation: "zlib-ng" (faster) or "zlib"
PRESSKEEP_WARC_THREAD = True  # compress and write records on a thread beside the crawl
PRESSKEEP_WORKER_ID = ""
PRESSKEEP_MAX_RESPONSE_SIZE = 10 * 1024 * 1024
PRESSKEEP_DB_BATCH_SIZE = 200
PRESSKEEP_FLUSH_INTERVAL = 5.0
PRESSKEEP_CLEAN_WORKERS = -1  # -1: one per CPU core; 0: clean in the crawl process
PRESSKEEP_CLEAN_NICE = 10  # cleaning workers' nice increment: the crawl process comes first
# pages handed to each cleaning worker at most (replay: 16): one in work, the rest waiting in
# its pipe; more than one waiting covers the event loop's longer turns (a batch of rows
# written to SQLite): with 2, replay's workers sat idle ~10 % of the time
PRESSKEEP_CLEAN_QUEUE = 4
PRESSKEEP_CLEAN_ENABLED = True  # False (`crawl --no-clean`): archive only, clean later by replay
PRESSKEEP_KEEPALIVE_PER_HOST = 0  # idle connections kept per host (0: 2x per-host concurrency)
PRESSKEEP_PROGRESS_INTERVAL = 5.0
PRESSKEEP_SITE_MODEL_ENABLED = True  # learn each site's recurring boilerplate and drop it
PRESSKEEP_SCOPE = "host"
PRESSKEEP_MAX_PAGES = 0  # 0: no limit
# -- page requisites (crawler/requisites.py; `crawl --no-requisites` turns them off) ------
PRESSKEEP_REQUISITES = True  # fetch each page's stylesheets, fonts, images, scripts, icons (any host)
PRESSKEEP_REQUISITES_MAX_PER_PAGE = 200  # requisite URLs of one page (its CSS imports too); 0: no limit
PRESSKEEP_REQUISITES_MAX_BYTES = 25_000_000  # bytes of one page's requisites; 0: no limit
PRESSKEEP_RUN_ARGS = {}  # set by the CLI: the arguments recorded in the `runs` row
PRESSKEEP_VERBOSE = 0  # set by the CLI from -v: the terminal's log level

# -- robustness and security (crawler/guard.py, docs/reliability.md) -------------
PRESSKEEP_ALLOW_PRIVATE = "auto"  # non-public addresses: auto (the seeds' kinds), True, False
PRESSKEEP_MAX_PER_PATTERN = 5000  # URLs per digit-pattern (calendar/pager traps); 0: no limit
PRESSKEEP_TRAP_CUT = 50  # barren pages of one pattern in a row before its chain is cut (crawler/traps.py); 0: off
PRESSKEEP_SERVE_IDLE_TIMEOUT = 20.0  # serve: seconds a connection may idle per read/write (--idle-timeout)
PRESSKEEP_SERVE_MAX_CONNECTIONS = 32  # serve: connections handled at once (--max-connections)

# -- incremental recrawls (crawler/incremental.py, crawler/discovery.py) --------
PRESSKEEP_INCREMENTAL = True  # conditional GET; unchanged payloads archived as revisits
PRESSKEEP_DISCOVERY = True  # robots.txt sitemaps, sitemap indexes, news sitemaps, RSS/Atom feeds
PRESSKEEP_SITEMAP_PATHS = ["/sitemap.xml", "/sitemap_index.xml"]  # tried when robots.txt names none
PRESSKEEP_FEED_PATHS = ["/feed", "/rss.xml", "/feed.xml", "/atom.xml"]  # if a seed links no feed
PRESSKEEP_SKIP_UNCHANGED = True  # skip URLs dated before their last capture
PRESSKEEP_DISCOVERY_PRIORITY = 100  # request priority of sitemaps and feeds
PRESSKEEP_DISCOVERED_PRIORITY = 50  # request priority of pages found in them (links: 0)
PRESSKEEP_RESUME = True  # `presskeep crawl` keeps Scrapy JOBDIR state under OUT/job
PRESSKEEP_STOP_GRACE = 2.0  # seconds downloads in flight get when a crawl is stopped (then requeued)

# -- rendering pages in Chromium (crawler/render.py, docs/cli.md "Rendering") -------------
PRESSKEEP_RENDER = "never"  # never | auto (app shells only) | always (every HTML page in scope)
PRESSKEEP_CHROMIUM_PATH = ""  # the browser run headless; "": chromium, chromium-browser or google-chrome on PATH
PRESSKEEP_RENDER_MAX_PAGES = 2  # browser pages open at once (one browser, one context)
PRESSKEEP_RENDER_TIMEOUT = 20.0  # seconds a page may take: load, then its requests settling
PRESSKEEP_RENDER_SETTLE = 0.5  # seconds without a request in flight that end a page's rendering
PRESSKEEP_RENDER_BLOCK_TYPES = ["media"]  # browser resource types aborted (Playwright's names)
PRESSKEEP_RENDER_BLOCK_HOSTS = []  # hosts (and their subdomains) the browser may not reach
PRESSKEEP_RENDER_SEEN_MAX = 100_000  # URLs remembered as archived by the browser (dedup)

# -- replay (crawler/replay.py; `presskeep replay` and the `replay` spider turn these) ----
PRESSKEEP_WARC_ENABLED = True  # False: the session opens no WARC writer (replay reads, never writes)
PRESSKEEP_RUN_COMMAND = "crawl"  # the `runs.command` value of this run ("replay" for replays)

# -- several crawl processes on one machine (crawler/partition.py; `crawl --processes N`) ----
PRESSKEEP_PARTITION = ""  # "I/N": this process owns the URLs whose CRC-32 mod N is I (set by the CLI)
PRESSKEEP_PARTITION_FD = -1  # its end of the socket pair to the parent (set by the CLI)

# -- distributed crawling on Redis (crawler/distributed/, docs/distributed.md) --------
PRESSKEEP_REDIS_URL = ""  # redis://HOST:PORT/DB: share one queue and dupefilter with other workers
PRESSKEEP_REDIS_KEY = "presskeep"  # prefix of every Redis key of one distributed crawl
PRESSKEEP_REDIS_IDLE_TIMEOUT = 15.0  # a worker stops after this many seconds without cluster work
PRESSKEEP_REDIS_WORKER_TTL = 15  # seconds without a heartbeat before a worker's leases are requeued
PRESSKEEP_REDIS_TICK = 1.0  # seconds between heartbeats, acknowledgements and start-URL polls
PRESSKEEP_REDIS_SHARD = ""  # set by the add-on: the shard this worker writes (distributed mode on)
