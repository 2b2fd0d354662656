"""``DATASET=simulate_overexposure``: Le Jeune's overexposure, x' = min(1, x * TAU^-GAMMA), made in the pipeline."""

import dataclasses

from tfcorrect.data import examples
from tfcorrect.data.exposure import simulate_overexposure
from tfcorrect.data.kinds import DataKind, folder_only
from tfcorrect.params import Component, option


@dataclasses.dataclass(frozen=True)
class OverexposureOptions:
    """The overexposure Le Jeune simulates."""

    gamma: float = option(
        round(1 / 2.2, 6), "simulate_overexposure: the gamma of x' = min(1, x * TAU^-GAMMA) (Le Jeune).", minimum=0.0
    )
    tau: float = option(0.5, "simulate_overexposure: the tau of x' = min(1, x * TAU^-GAMMA) (Le Jeune).",
                        minimum=0.01, maximum=1.0)


def _overexpose(target, ev, seed, params):
    return simulate_overexposure(target, params.gamma, params.tau)


SIMULATE_OVEREXPOSURE = DataKind(folder_only(examples.find_targets),
                                 Component("DATASET=simulate_overexposure", OverexposureOptions),
                                 make_input=_overexpose)
