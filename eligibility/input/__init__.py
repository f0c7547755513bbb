"""Files → typed columns plus input issues: reading sheets and CSV, finding headers, typing cells.

Owns everything between the officer's file and the engine's :class:`~eligibility.columns.Prepared`
columns. Imports the rule language and the column types; never the engine, the findings or the renderers.
"""
