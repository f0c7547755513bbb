"""``python -m eligibility``."""

from eligibility.apps.cli import main

main()
