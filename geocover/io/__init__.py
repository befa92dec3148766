"""geocover.io."""
