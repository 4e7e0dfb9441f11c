"""Article cleaning: pure functions over HTML bytes, no Scrapy imports.

    >>> from pipelines.clean import extract
    >>> doc = extract(html_bytes, "https://news.example/2026/11/story")
    >>> doc.title, doc.text
"""

from pipelines.clean.extract import Extraction, extract

__all__ = ["Extraction", "extract"]
