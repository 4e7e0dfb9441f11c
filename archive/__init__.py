"""How presskeep keeps things: WARC files, the SQLite database, indexes and exports.

A library with no Scrapy imports.
"""
