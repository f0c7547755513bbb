"""``python -m eligibility``."""

from eligibility.cli import main

main()
