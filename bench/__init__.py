"""Scale benchmark of the whole ddss pipeline (issue #10): `python -m bench.run_all`."""
