"""Inputs: instance YAML, catalog, and the derived PlanData (`data`)."""
