"""geocover.pipeline."""
