"""The Scrapy project: settings, spider, capture middleware, extensions and the `presskeep` CLI."""

__version__ = "0.1.0"
