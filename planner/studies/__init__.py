"""Scenario studies: sweeps over instance fields, Monte Carlo cases, frontiers and curves.

Heavy imports (rich, matplotlib, dask) stay inside the functions that need them, so
`plan solve` never pays for them.
"""
