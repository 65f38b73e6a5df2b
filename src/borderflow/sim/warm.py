"""Importing this loads the compiled engine (:func:`borderflow.sim.run.warm_up`): the
simulation fork server imports it once, so each run's process starts with the engine
loaded instead of loading it again."""

from borderflow.sim.run import warm_up

warm_up()
