"""The seller's HTTP API (for CMSs) and the server-rendered web console."""
