"""The crawl: a frontier of key paths, prompt identity, and the explorer that drives calls."""
