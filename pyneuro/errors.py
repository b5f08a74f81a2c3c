"""Exceptions raised by pyneuro."""

__all__ = ["SimulationError"]


class SimulationError(RuntimeError):
    """A run diverged (NaN in a state variable, or a population rate above ``Network.max_rate``).

    The network is left consistent at the end of the last completed step and can be inspected or run on.

    Attributes
    ----------
    population : str
        Name of the offending population.
    time : float
        Simulated time (ms) of the end of the last completed step.
    reason : str
        ``"nan"`` or ``"rate"``.
    """

    def __init__(self, message: str, population: str, time: float, reason: str) -> None:
        super().__init__(message)
        self.population = population
        self.time = time
        self.reason = reason
