"""Documents the bot makes as files: HTML and CSS to PDF (``pdf``), and the papers a
coordinator signs for a volunteer (``volunteer_papers``)."""
