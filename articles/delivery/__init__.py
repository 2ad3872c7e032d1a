"""Reader-page delivery: what a page shows, its keys, its caches and purging them."""
