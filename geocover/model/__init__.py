"""geocover.model."""
