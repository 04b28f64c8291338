"""First on PYTHONPATH when `bench/broadcast.py --without-daphne` starts the server: makes
`import daphne` fail as if daphne were not installed (we serve with uvicorn)."""

raise ImportError("daphne is blocked for this benchmark run (bench/no_daphne)")
