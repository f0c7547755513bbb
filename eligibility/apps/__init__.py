"""The command line, the local web page and the live monitor: glue over the public API, no logic of
their own."""
