"""geocover.sources."""
