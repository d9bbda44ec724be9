"""Audio in → transcript events. Knows nothing of extraction or tickets."""
