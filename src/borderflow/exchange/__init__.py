"""The binational exchange's pure rules: who may read a record (:mod:`.access`), the
hash chain over the audit log (:mod:`.chain`) and encryption at rest (:mod:`.crypto`).
No database and no web here; :mod:`borderflow.services.exchange` joins them to the store."""
