"""`presskeep serve`: a small read-only web UI over the archive (stdlib only)."""
