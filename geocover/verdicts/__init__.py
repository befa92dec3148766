"""geocover.verdicts."""
