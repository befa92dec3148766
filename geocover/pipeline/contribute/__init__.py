"""geocover.pipeline.contribute."""
