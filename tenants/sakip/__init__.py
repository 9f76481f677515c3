"""SAKIP online: performance accountability from the RPJMD to the evaluation grade."""
