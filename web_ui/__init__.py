"""Static assets of the agent panel and the QA replay pages (served by assistant.server)."""
