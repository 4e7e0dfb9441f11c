"""What presskeep keeps: cleaning (pure functions over HTML) and the thin Scrapy item pipelines."""
