"""The web console: server-rendered pages for one-click work on many orders."""
