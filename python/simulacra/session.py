"""Session: one run held open for notebooks and reinforcement-learning
loops — advance it, read its observables, change live parameters, branch
it into independent continuations, and finish it into a Dataset."""

import re

from . import _convert, _core
from .dataset import Dataset

_BY_INDEX = re.compile(r"^populations\[(\d+)\]\.params\.([A-Za-z_][A-Za-z0-9_]*)$")
_BY_NAME = re.compile(r"^populations\.([^.\[\]]+)\.params\.([A-Za-z_][A-Za-z0-9_]*)$")
_SHORT = re.compile(r"^([^.\[\]]+)\.([A-Za-z_][A-Za-z0-9_]*)$")


def _seconds(t):
    """A time given as text with a unit ("10d", "30min") or as seconds."""
    if isinstance(t, str):
        return _core.seconds(t)
    return float(t)


class Session:
    """One run of a scenario, advanced on request.

        s = simulacra.Session("scenarios/epidemic/town.yaml")
        s.advance("10d")                 # 10 simulated days further
        s.observe()                      # {"town.attack_rate": ..., ...}
        s.set("populations[0].params.beta", 0.02)
        b = s.branch()                   # an independent continuation
        ds = s.finish()                  # a Dataset of this run's rows

    scenario: file path or YAML text; set: overrides as in run(); run:
    which run of a scenario with replicates or a sweep (an index into
    Dataset.runs.run). Raises ScenarioError, ConfigError.
    """

    def __init__(self, scenario, set=None, run=0, threads=0, _core_session=None):
        if _core_session is not None:
            self._s = _core_session
        else:
            text, is_text = _convert.scenario_source(scenario)
            self._s = _core.Session(text, is_text, _convert.overrides(set), int(run), int(threads))
        self._branches = 0

    # ------------------------------------------------------------------ time
    @property
    def now(self):
        """Simulated time in seconds."""
        return self._s.now

    @property
    def end(self):
        """The scenario's duration in seconds."""
        return self._s.end

    @property
    def over(self):
        """True once the end is reached or the scenario's stop_when held."""
        return self._s.over

    @property
    def stop_reason(self):
        """Why the run ended early ("" if it did not)."""
        return self._s.stop_reason

    def advance(self, dt):
        """Runs `dt` further ("10d", "6h" or seconds), at most to the end.
        The scenario's observe: and stop_when: apply. Returns False once the
        run is over."""
        return self._s.advance_to(self._s.now + _seconds(dt))

    def advance_to(self, t):
        """Runs to simulated time `t` (from the start: "30d" or seconds)."""
        return self._s.advance_to(_seconds(t))

    def advance_until(self, condition, every):
        """Runs until `condition` (an expression over observables, as
        stop_when: "town.attack_rate > 0.1") holds at a check every `every`
        from now, or the run is over. Returns whether it held. Raises
        ExpressionError for a condition that does not parse."""
        return self._s.advance_until(condition, _seconds(every))

    # ----------------------------------------------------------- observables
    @property
    def observable_names(self):
        """Qualified names ("town.attack_rate"), as `simulacra types` lists."""
        return list(self._s.observable_names)

    def observe(self):
        """{name: value} of every observable now (seeing every event before
        now and none at now)."""
        return self._s.observe()

    # ---------------------------------------------------------------- change
    def set(self, path, value):
        """Changes a live parameter from now on: path
        "populations[0].params.beta", "populations.town.params.beta" or
        "town.beta"; value a number, bool or YAML text with units ("2d").
        Raises ScenarioError for an unknown population or key, a parameter
        its type does not mark live, or a value the scenario file would
        refuse."""
        population, key = self._parse_path(path)
        self._s.set_live(population, key, _convert.yaml_value(value))

    def _parse_path(self, path):
        names = self._s.population_names
        m = _BY_INDEX.match(path)
        if m:
            i = int(m.group(1))
            if i >= len(names):
                raise _core.ScenarioError("%s: the scenario has %d population(s)" % (path, len(names)))
            return names[i], m.group(2)
        m = _BY_NAME.match(path) or _SHORT.match(path)
        if m:
            return m.group(1), m.group(2)
        raise _core.ScenarioError("%s: expected populations[<i>].params.<key>, populations.<name>.params.<key> "
                                  "or <name>.<key>" % path)

    # -------------------------------------------------------------- branches
    def branch(self, k=None):
        """An independent continuation from this exact state, on random
        streams re-derived from (seed, branch path + k); the same k always
        gives the same continuation. k defaults to 0, 1, 2 ... per call. The
        branch collects only its own rows from now on."""
        if k is None:
            k = self._branches
            self._branches += 1
        return Session(None, _core_session=self._s.branch(int(k)))

    # ----------------------------------------------------------------- finish
    def finish(self, strings="auto"):
        """Ends the run now (populations write their end-of-run rows) and
        returns its Dataset. The session cannot be used afterwards."""
        plan = self._s.plan
        data = self._s.finish()
        plan["label"] = data["provenance"].get("run_label", plan["label"])
        return Dataset([{"plan": plan, "dataset": data}], strings=strings)

    def __repr__(self):
        state = "finished" if self._s.finished else "at t=%g s of %g s" % (self.now, self.end)
        return "<simulacra.Session %s %s>" % (self._s.plan["label"], state)
