"""Simulacra from Python: run scenario files into pandas DataFrames, read
datasets the CLI wrote, and drive a run step by step.

    import simulacra
    ds = simulacra.run("scenarios/epidemic/town.yaml", set={"duration": "60d"})
    ds["town.daily"]            # a pandas DataFrame
    ds.provenance["trace_hash"]

See docs/python.md.
"""

from . import _core
from . import calibration  # noqa: F401  (simulacra.calibration.read / write_report)
from . import synthetic  # noqa: F401  (simulacra.synthetic.write_report)
from ._core import (  # noqa: F401  (the typed errors, re-exported)
    CheckpointError,
    ConfigError,
    DataError,
    Error,
    ExpressionError,
    LookaheadError,
    ModelFileError,
    NetworkFileError,
    ScenarioError,
)
from .dataset import Dataset, open, read_runs, run  # noqa: F401
from .fitting import Calibration, calibrate  # noqa: F401
from .learned import Evaluation, Model, evaluate, fit, load_model  # noqa: F401
from .session import Session  # noqa: F401
from .synthetic import associations, plot_correlations, plot_marginals  # noqa: F401

__version__ = _core.version
git_commit = _core.git_commit


def types():
    """The listing of `simulacra types`: every population type, its
    parameters (live ones marked), timeline actions and observables."""
    return _core.types()


__all__ = [
    "run", "open", "read_runs", "Session", "Dataset", "types",
    "fit", "load_model", "evaluate", "Model", "Evaluation", "calibrate", "Calibration",
    "plot_marginals", "plot_correlations", "associations",
    "Error", "ScenarioError", "ConfigError", "DataError", "LookaheadError",
    "CheckpointError", "ExpressionError", "ModelFileError", "NetworkFileError",
]
