"""The methods a table's ``MODEL`` can name, and building their networks and trainers.

Adding a method: write ``tfcorrect/methods/<name>.py`` declaring a
:class:`~tfcorrect.methods.base.Method` (see ``pix2pix.py``) and add it to :data:`METHODS`.
"""

from tfcorrect.methods import dense_unet, illum_da, pix2pix
from tfcorrect.methods.base import Adversary, Method, MethodModel
from tfcorrect.precision import dtype_policy, wrap_optimizer

# MODEL -> method.
METHODS = {"pix2pix": pix2pix.METHOD, "illum_da": illum_da.METHOD, "dense_unet": dense_unet.METHOD}


def get_method(name):
    """The :class:`Method` named ``name``.

    Raises:
        ValueError: no such method; the message lists the known ones.
    """
    if name not in METHODS:
        raise ValueError(f"unknown MODEL {name!r}; known: {', '.join(METHODS)}")
    return METHODS[name]


def build_network(params, name):
    """Network ``name`` of ``params.model``, sized by ``params`` and built under its ``PRECISION`` (untrained)."""
    networks = get_method(params.model).networks
    if name not in networks:
        raise ValueError(f"MODEL {params.model} has no network {name!r}; it has: {', '.join(networks)}")
    with dtype_policy(params.precision):
        return networks[name](params)


def build_trainer(params):
    """The compiled :class:`MethodModel` of ``params.model`` with built optimisers.

    Call it inside the ``tf.distribute`` strategy's scope.
    """
    method = get_method(params.model)
    trainer = method.trainer({name: build_network(params, name) for name in method.networks}, params)
    optimizers = method.optimizers(params)
    trainer.compile(optimizers={name: wrap_optimizer(opt, params.precision) for name, opt in optimizers.items()})
    trainer.build_optimizers()
    return trainer


__all__ = ["METHODS", "Adversary", "Method", "MethodModel", "build_network", "build_trainer", "get_method"]
