"""Model registry: what each model is, where it is found, its checksums, and how to fetch it."""
