"""Plans over years and under uncertain demand (issue 3): `horizon:` and `scenarios:`.

Kept separate from planner/formulation/ so the single-year model stays as it is. This package
init stays empty of imports: planner.instance imports planner.horizon.schema at start-up.
"""
