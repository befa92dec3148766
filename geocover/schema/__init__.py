"""geocover.schema."""
