"""The rule language: the models of rule files, the expression language, YAML with locations,
loading, every cross-check, and the loaded :class:`~eligibility.language.ruleset.RuleSet`.

Named ``language`` rather than ``rules`` so that it does not read like the top-level ``rules/`` folder,
which holds the rule files themselves (bundled into the wheel as data). Imports nothing above it.
"""
