"""The methods a table's ``MODEL`` can name, and building their networks and trainers.

Adding a method: write ``tfcorrect/methods/<name>.py`` declaring a
:class:`~tfcorrect.methods.base.Method` (see ``pix2pix.py``) and add it to :data:`METHODS`.
"""

from tfcorrect.methods import pix2pix
from tfcorrect.methods.base import Adversary, Method, MethodModel

# MODEL -> method.
METHODS = {"pix2pix": pix2pix.METHOD}


def get_method(name):
    """The :class:`Method` named ``name``.

    Raises:
        ValueError: no such method; the message lists the known ones.
    """
    if name not in METHODS:
        raise ValueError(f"unknown MODEL {name!r}; known: {', '.join(METHODS)}")
    return METHODS[name]


def build_network(params, name):
    """Network ``name`` of ``params.model``, sized by ``params`` (untrained)."""
    networks = get_method(params.model).networks
    if name not in networks:
        raise ValueError(f"MODEL {params.model} has no network {name!r}; it has: {', '.join(networks)}")
    return networks[name](params)


def build_trainer(params):
    """The compiled :class:`MethodModel` of ``params.model`` with built optimisers.

    Call it inside the ``tf.distribute`` strategy's scope.
    """
    method = get_method(params.model)
    trainer = method.trainer({name: build(params) for name, build in method.networks.items()}, params)
    trainer.compile(optimizers=method.optimizers(params))
    trainer.build_optimizers()
    return trainer


__all__ = ["METHODS", "Adversary", "Method", "MethodModel", "build_network", "build_trainer", "get_method"]
