"""The statistics: the city's figures by month with their tables and charts
(``city_figures``), this week's headline and the coordinators' weekly digest
(``this_week``), the languages short of volunteers (``language_gaps``), the figures as a
picture for the chat (``picture``) and the rule that hides a figure about one or two people
(``small_groups``). The counting happens in SQL (db/statistics.py)."""
