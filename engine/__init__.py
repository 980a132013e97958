"""Opora's workflow engine: a generic runtime for declarative workflows.

The engine knows nothing about families or children. It loads workflow files
(:mod:`engine.loader`), compiles each (workflow, version) once into a shared
``transitions`` machine (:mod:`engine.machine`), fires events on case instances
inside one database transaction (:mod:`engine.runtime`), keeps deadlines on the
Russian production calendar (:mod:`engine.calendar`, :mod:`engine.durations`),
runs due reminder / escalation / timeout steps (:mod:`engine.sweeper`) and keeps a
hash-chained audit trail (:mod:`engine.audit`).
"""
