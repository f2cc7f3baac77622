"""The statistics: the city's figures by month with their tables and charts
(``city_figures``), this week's headline and the coordinators' weekly digest
(``this_week``), the languages short of volunteers (``language_gaps``) and the figures as a
picture for the chat (``picture``). The counting happens in SQL (db/statistics.py)."""
