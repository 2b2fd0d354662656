"""The papers' folders, collected: every ``MODEL``, ``DATASET`` and ``PREPROCESS`` there is, and tables resolved against them.

Each folder below ``tfcorrect/methods/`` is one paper (or the method several papers train) and
declares, in its ``__init__.py``, any of: ``METHODS`` (``MODEL`` -> :class:`Method`), ``DATA_KINDS``
(``DATASET`` -> :class:`~tfcorrect.data.kinds.DataKind`), ``PREPROCESSES`` (``PREPROCESS`` ->
:class:`~tfcorrect.data.preprocess.Preprocess`), ``DATA_COMMANDS`` and ``REPORT_COMMANDS``
(functions adding subcommands to ``tfcorrect-data`` / ``tfcorrect-report``) and ``FOLDER_EVALUATORS``.
This module merges them into the visible dicts below and hands their choices and components down
to :mod:`tfcorrect.params`, which knows none of them. A method defined elsewhere (a test, a user's
package) is added with :func:`register_method`.
"""

from tfcorrect.data.kinds import find_examples as _find_examples
from tfcorrect.data.pipeline import PIPELINE
from tfcorrect.data.preprocess import NONE
from tfcorrect.errors import TableError
from tfcorrect.methods import colorize, dense_unet, exposure, illum_da, overexposure, pix2pix
from tfcorrect.nn.precision import dtype_policy, wrap_optimizer
from tfcorrect.params import COMMON, Catalogue, Row, choices_of, resolve_rows, resolve_table
from tfcorrect.training.health import HEALTH
from tfcorrect.training.method import Adversary, Method, MethodModel
from tfcorrect.training.options import RUN

PACKAGES = (pix2pix, exposure, overexposure, colorize, dense_unet, illum_da)


def _merged(name):
    merged = {}
    for package in PACKAGES:
        for key, value in getattr(package, name, {}).items():
            if key in merged:
                raise ValueError(f"{name} {key!r} is declared twice ({package.__name__})")
            merged[key] = value
    return merged


# MODEL -> method; DATASET -> data kind; PREPROCESS -> preprocessing step.
METHODS = _merged("METHODS")
DATA_KINDS = _merged("DATA_KINDS")
PREPROCESSES = {"none": NONE, **_merged("PREPROCESSES")}
DATA_COMMANDS = tuple(add for package in PACKAGES for add in getattr(package, "DATA_COMMANDS", ()))
REPORT_COMMANDS = tuple(add for package in PACKAGES for add in getattr(package, "REPORT_COMMANDS", ()))
FOLDER_EVALUATORS = tuple(e for package in PACKAGES for e in getattr(package, "FOLDER_EVALUATORS", ()))
# tfcorrect-data options whose values may start with '-' (an EV offset).
NEGATIVE_VALUE_OPTIONS = tuple(o for package in PACKAGES for o in getattr(package, "NEGATIVE_VALUE_OPTIONS", ()))
CORE = (RUN, PIPELINE, HEALTH)


def register_method(name, method, *, data_kinds=None):
    """Add a method (and data kinds of its own) defined outside tfcorrect, e.g. in a test or a user's package.

    Raises:
        ValueError: ``name`` (or a data kind's name) is taken.
    """
    if name in METHODS:
        raise ValueError(f"MODEL {name!r} is already registered")
    for kind in data_kinds or {}:
        if kind in DATA_KINDS:
            raise ValueError(f"DATASET {kind!r} is already registered")
    METHODS[name] = method
    DATA_KINDS.update(data_kinds or {})


def unregister_method(name, *, data_kinds=()):
    """Take back what :func:`register_method` added."""
    METHODS.pop(name, None)
    for kind in data_kinds:
        DATA_KINDS.pop(kind, None)


def get_method(name):
    """The :class:`Method` named ``name``.

    Raises:
        ValueError: no such method; the message lists the known ones.
    """
    if name not in METHODS:
        raise ValueError(f"unknown MODEL {name!r}; known: {', '.join(METHODS)}")
    return METHODS[name]


def _selected_by_core(values):
    """The components ``MODEL``, ``DATASET`` and ``PREPROCESS`` name."""
    named = (METHODS[values["model"]].options, DATA_KINDS[values["dataset"]].options,
             PREPROCESSES[values["preprocess"]].options)
    return tuple(component for component in named if component is not None)


def _check_method(params, sources):
    """What the chosen MODEL asks of the table: its data kinds, its loss parts, its prediction tiles."""
    method = get_method(params.model)
    if params.dataset not in method.data_kinds:
        raise TableError(f"{sources['DATASET']}: MODEL {params.model} cannot train on DATASET {params.dataset} "
                         f"(it takes: {', '.join(method.data_kinds)})")
    best = ("none", *(f"val_{part}" for part in method.loss_parts))
    if params.keep_best not in best:
        raise TableError(f"{sources['KEEP_BEST']}: KEEP_BEST must be one of {', '.join(best)} "
                         f"for MODEL {params.model}, not '{params.keep_best}'")
    multiple = method.size_multiple(params)
    if params.tile and params.tile % multiple:
        raise TableError(f"{sources['TILE']}: TILE {params.tile} is not a multiple of {multiple}, "
                         f"which MODEL {params.model} needs")


def _components():
    """Every component, each once, in a stable order: the core, then methods, data kinds and preprocessing."""
    found = list(CORE)
    pending = [m.options for m in METHODS.values()] + [k.options for k in DATA_KINDS.values()] + \
        [p.options for p in PREPROCESSES.values()]
    while pending:
        component = pending.pop(0)
        if component is None or any(component is seen for seen in found):
            continue
        found.append(component)
        pending.extend(_every_selectable(component))
    return tuple(found)


def _every_selectable(component):
    """The components ``component`` may select, whatever its values (read off by trying each choice)."""
    defaults = {f.name: f.default for f in component.fields.values()}
    trials = [defaults]
    for field in component.fields.values():
        for choice in choices_of(field) or ():
            trials.append({**defaults, field.name: choice})
    return [selected for values in trials for selected in component.selects(_Lenient(values))]


class _Lenient(dict):
    """Values for trying a component's ``selects``: options of other components read as None."""

    def __missing__(self, key):
        return None


def catalogue():
    """The :class:`~tfcorrect.params.Catalogue` of every component registered now."""
    return Catalogue(
        core=CORE, components=_components(), selects=_selected_by_core,
        choices={"MODEL": METHODS, "DATASET": DATA_KINDS, "PREPROCESS": PREPROCESSES},
        facts=FACTS, checks=(_check_method,))


# Attributes of every resolved parameters that follow from the options.
FACTS = {
    "in_channels": lambda params: DATA_KINDS[params.dataset].in_channels,  # channels of the generator input
    "out_channels": lambda params: 3,  # channels of the generator output
    "data_kind": lambda params: DATA_KINDS[params.dataset],
    "preprocessing": lambda params: PREPROCESSES[params.preprocess],
}


def resolve(path, category=None, sets=()):
    """Resolve a table (CSV or SQLite): ``COMMON``, then ``category``, then ``--set`` overrides.

    Returns:
        ``(params, sources)``: the frozen parameters of the components the table selects, and
        where each value came from (``file:line``, ``--set ...``, ``default`` or ``derived``).

    Raises:
        TableError: one line naming the file and row at fault.
    """
    return resolve_table(path, catalogue(), category, sets)


def load_params(path):
    """The parameters of a resolved table such as a run folder's ``params.csv``.

    Rows of components the run does not select are skipped: a run folder written before options
    were split by component lists every option there was.
    """
    return resolve_table(path, catalogue(), strict=False)[0]


def params_from_values(values, *, where="values"):
    """Parameters from ``{PARAM_NAME: text}`` (an export's ``export.json``), resolved as :func:`load_params` does."""
    chosen = {name: Row(COMMON, name, str(value), "Y", where=f"{where}: {name}") for name, value in values.items()}
    return resolve_rows(chosen, catalogue(), strict=False)[0]


def find_examples(dataset, folder, *, params=None, what="TRAIN_DIR"):
    """The examples of a data folder of kind ``dataset`` (a key of :data:`DATA_KINDS`)."""
    return _find_examples(DATA_KINDS[dataset], folder, params=params, what=what, name=dataset)


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


__all__ = ["DATA_KINDS", "METHODS", "PREPROCESSES", "Adversary", "Method", "MethodModel", "build_network",
           "build_trainer", "catalogue", "find_examples", "get_method", "load_params", "params_from_values",
           "register_method", "resolve", "unregister_method"]
