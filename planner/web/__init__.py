"""`plan serve`: a what-if page for finance, served on this machine (tornado, Dask's own web
server library). See `app.py`."""
