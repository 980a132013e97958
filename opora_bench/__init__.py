"""Benchmarks and the simulator's year run — tools that measure the product, kept apart from it.

``opora bench [GROUP ...]`` runs :mod:`opora_bench.runner`; ``opora simulate`` runs
:func:`opora_bench.process.simulate_year`. Modules by what they measure:

engine.py      ``engine.*``: starting and firing on the bare engine, the sweeper (sqlite-utils fills its table)
audit.py       ``audit.verify``: verifying a million events against anchors
process.py     ``process.year``: a year of synthetic reports through the whole process (``opora simulate``)
statistics.py  ``reports.annual``: the annual statistics over a year of cases
http.py        ``http.*``: the REST API and the pages under a steady client (httpx)
auth.py        ``auth.*``: logins, sessions and API keys
load.py        ``api.startup`` / ``api.load`` / ``pg.sweep``: a real server under simulated users
loadgen.py     the simulated users of every role (httpx), also used by the fault tests
serverproc.py  a real ``opora serve`` in a child process

This package may import every package of the product; no product module imports it, except the two
commands of ``api/cli.py`` that start it (``tests/test_architecture.py``).
"""
