"""The record-template catalogue: schema, loading, validation and search."""
