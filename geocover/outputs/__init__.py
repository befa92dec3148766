"""geocover.outputs."""
