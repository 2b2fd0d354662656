"""Options and components: how a part of tfcorrect declares the table rows it reads.

An *option* is one ``PARAM_NAME`` of a table: a field of a frozen dataclass declared with
:func:`option`, whose name in upper case is the ``PARAM_NAME``. A :class:`Component` is the part of
tfcorrect that reads a group of options (the run core, a method, a network, a data kind, a
preprocessing step): its dataclass of options, the components its values select, the values it
derives and the checks it makes. This module knows no component: they are declared beside their
code and handed to :func:`tfcorrect.params.resolve` in a :class:`~tfcorrect.params.Catalogue`.
"""

import dataclasses
import math
from collections.abc import Callable, Mapping

from tfcorrect.errors import TableError

_TRUE = ("true", "yes", "y", "1")
_FALSE = ("false", "no", "n", "0")


def option(default, description, *, choices=None, minimum=None, maximum=None):
    """One option: a dataclass field carrying its description and allowed values.

    Args:
        default: its value when no row sets it; ``None`` marks a value its component derives.
        description: one line for ``tfcorrect-params`` and the generated parameter list.
        choices: the mapping (or a function returning it) whose keys are the allowed values, so
            the list of choices is never a second copy; ``None``: any value of the field's type,
            unless the catalogue hands the choices down (``MODEL``, ``DATASET``, ...).
        minimum: smallest allowed value, or ``None``.
        maximum: largest allowed value, or ``None``.
    """
    return dataclasses.field(default=default, metadata={
        "description": description, "choices": choices, "minimum": minimum, "maximum": maximum})


@dataclasses.dataclass(frozen=True, eq=False)
class Component:
    """A part of tfcorrect and the options it reads.

    Attributes:
        title: how messages name it, read after "is an option of": ``"MODEL=illum_da"``,
            ``"the PatchGAN (MODEL=pix2pix; dense_unet with DISC=patchgan)"``.
        options: a frozen dataclass whose fields are declared with :func:`option`; an instance with
            its defaults is the component's options when no table is involved.
        selects: ``values -> [Component]``: the components this one's values select (a method's
            networks, a head chosen by a choice); ``values`` maps lower-case names to values.
        derive: ``values -> None``: fills, in place, this component's options left ``None``.
        checks: ``(params, sources) -> None`` raising ``TableError`` naming the row at fault.
        renamed: former ``PARAM_NAME`` -> today's, for tables written before a rename.
    """

    title: str
    options: type
    selects: Callable = lambda values: ()
    derive: Callable | None = None
    checks: tuple[Callable, ...] = ()
    renamed: Mapping[str, str] = dataclasses.field(default_factory=dict)

    @property
    def fields(self):
        """``{PARAM_NAME: dataclasses.Field}`` of this component's options, in declaration order."""
        return {field.name.upper(): field for field in dataclasses.fields(self.options)}

    def defaults(self):
        """The component's options with their defaults (derived ones stay ``None``)."""
        return self.options()


def choices_of(field, handed_down=None):
    """The allowed values of an option, or ``None`` when any value of its type is allowed.

    Args:
        field: the option's dataclass field.
        handed_down: ``{PARAM_NAME: mapping}`` of choices the catalogue hands down.
    """
    allowed = (handed_down or {}).get(field.name.upper(), field.metadata["choices"])
    if allowed is None:
        return None
    return tuple(allowed() if callable(allowed) else allowed)


def parse_value(field, text, where, handed_down=None):
    """Parse one ``PARAM_VALUE`` against its option; errors name ``where``."""
    kind, meta, name = field.type, field.metadata, field.name.upper()
    try:
        if kind is bool:
            if text.lower() not in _TRUE + _FALSE:
                raise ValueError
            value = text.lower() in _TRUE
        else:
            value = kind(text)
    except ValueError:
        raise TableError(f"{where}: {name} must be {kind.__name__}, not '{text}'") from None
    if kind is float and not math.isfinite(value):
        raise TableError(f"{where}: {name} must be a finite number, not '{text}'")
    allowed = choices_of(field, handed_down)
    if allowed is not None and value not in allowed:
        raise TableError(f"{where}: {name} must be one of {', '.join(allowed)}, not '{text}'")
    if meta["minimum"] is not None and value < meta["minimum"]:
        raise TableError(f"{where}: {name} must be >= {meta['minimum']}, not {text}")
    if meta["maximum"] is not None and value > meta["maximum"]:
        raise TableError(f"{where}: {name} must be <= {meta['maximum']}, not {text}")
    return value


def format_value(value):
    """A value as a table cell that parses back to the same value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, float) else str(value)
