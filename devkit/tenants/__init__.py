"""Everything about tenants: the tenant sequence step and its plan (sequence.py), running its
actions in one Django process (one_process.py), development tenants (dev_tenants.py) and
cloning them (clone.py), verification in the database (verify.py), pending migrations
(migrations.py) and the tenant list (listing.py).

Layer: above the pipeline and context, beside docs. May import pipeline, context, database,
project, config and core.
"""
