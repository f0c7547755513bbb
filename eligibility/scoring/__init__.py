"""Vectorised evaluation: pure functions of (typed columns, RuleSet) → result arrays.

No I/O, no text for people, no Python loop over rows. ``logic`` holds the four-valued logic and the
single tolerant comparison; ``points`` scores points tables as intervals; ``engine`` walks the rule sets.
"""
