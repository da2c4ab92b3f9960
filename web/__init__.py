"""The coach's desk as web pages (a Telegram Mini App, and a desktop page after a one-time login
link): the web's counterpart of `handlers/`. Thin: read the request, check the person through
`bot.desk`, call a service, render a template. No SQL and no Telegram here."""
