"""`make bench`: speed and memory ratios measured side by side in one run (never in unit tests)."""
