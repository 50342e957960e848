"""selfalign-bench: the shared machinery (data, models, sampling, judging, training, store).

Nothing method-specific lives in this package; methods/ composes these stages.
"""

__version__ = "0.1.0"
