"""Boekbrug's pipeline: intake → read → extract → queue → validate → ubl → deliver."""

from pipeline.core import ast_race

# every process of Boekbrug imports this package first: the workbench, the API, workers
ast_race.install()
