"""Attribution models: which channels earned a conversion, under nine rules.

``positions`` defines the seven rule-based models for one journey; ``markov`` and ``shapley``
the two data-driven ones on aggregated counts; ``aggregate`` applies all nine to columnar
numpy data; ``sql`` builds the DuckDB queries that do the same inside the engine; ``paths``
solves Markov and Shapley from the path counts the runner makes on the engine.
"""
