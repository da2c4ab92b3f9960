"""The coach's desk without the web: who may open it (Telegram's initData, one-time login links),
what the inbox shows (filters, counts, search, pages), exports. `web/` renders it."""
