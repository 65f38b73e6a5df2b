"""Binational action plans: the model, KPIs computed from the archive, and progress reports.

Pure parts (:mod:`.model`, :mod:`.kpi` statistics, :mod:`.report`, :mod:`.render`) take
and return plain data; :mod:`borderflow.services.plans` joins them with the store.
"""
