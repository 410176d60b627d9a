"""What devkit reads from a project by running its Django: the facts probe and its cache
(facts.py), the env files the settings load (envloading.py), why a Django process failed
(probe_failure.py), and the probe scripts the project's interpreter runs (probe/).

Layer: beside database and ci, above config. May import config and core.
"""
