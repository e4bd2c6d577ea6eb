"""The `keras-dss` command line (entry point: the top-level `keras_dss_cli`)."""
