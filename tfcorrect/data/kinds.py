"""Data kinds: how a folder becomes examples and how an input is made.

``DATASET`` in the table names a data kind. The core defines :class:`DataKind` and the one kind
every method can read, ``paired``; each method's folder declares its own (``afifi``,
``simulate_exposure``, ``colorize``, ...) and :mod:`tfcorrect.methods` collects them. A kind
whose input is not on disk makes it from the target inside the ``tf.data`` pipeline, after the
crop and before augmentation, with stateless randomness seeded per sample.
"""

import dataclasses
import pathlib
from collections.abc import Callable

from tfcorrect.data import examples
from tfcorrect.errors import UserError
from tfcorrect.params import Component


@dataclasses.dataclass(frozen=True)
class DataKind:
    """One data kind.

    Attributes:
        find: ``(folder, options) -> [Example]``; raises ``UserError`` on a wrong layout.
            ``options`` has the kind's own options (resolved parameters, or the defaults).
        options: the :class:`~tfcorrect.params.Component` of the kind's own options, selected by
            ``DATASET``; ``None`` when it has none.
        make_input: ``(target, ev, seed, params) -> input`` on RGB in [0, 1] when the input is
            made from the target; ``None`` when it is read from disk.
        in_channels: channels the network's input has (1: the RGB input is turned gray last).
        val_evs: ``params -> (ev, ...)`` for a kind whose examples get an EV drawn at random in
            training: validation then renders each such target once per EV. ``None``: no EVs.
        degrade: ``(input, seed, params) -> input``, applied to made training inputs only (sensor
            noise, JPEG): validation and test inputs stay clean renders.
        layout: subfolders by which ``tfcorrect-eval`` recognises a folder of this kind.
    """

    find: Callable
    options: Component | None = None
    make_input: Callable | None = None
    in_channels: int = 3
    val_evs: Callable | None = None
    degrade: Callable | None = None
    layout: tuple[str, ...] = ()

    @property
    def draws_ev(self):
        """Whether examples without an EV get one drawn at random (and validation renders each of ``val_evs``)."""
        return self.val_evs is not None

    def defaults(self):
        """The kind's own options with their defaults (for reading a folder without a table)."""
        return self.options.defaults() if self.options is not None else None


def folder_only(find):
    """A finder of ``folder`` alone, as the ``(folder, options)`` finder a :class:`DataKind` holds."""
    def find_in(folder, options):
        return find(folder)

    return find_in


# The kind every method can read: DST/input/ and DST/target/ matched by relative path and stem.
PAIRED = DataKind(folder_only(examples.find_paired), layout=("input",))


def find_examples(kind, folder, *, params=None, what="TRAIN_DIR", name=""):
    """The examples of a data folder of ``kind``.

    Args:
        kind: a :class:`DataKind`.
        folder: the data folder.
        params: resolved parameters giving the kind's options; ``None`` uses its defaults.
        what: the parameter (or option) that named ``folder``, for error messages.
        name: the kind's ``DATASET`` name, for error messages.

    Returns:
        A non-empty list of :class:`~tfcorrect.data.examples.Example`.

    Raises:
        UserError: the folder is missing, has the wrong layout or holds no usable pair.
    """
    if not folder:
        raise UserError(f"{what} is not set (use --set {what}=FOLDER or a table row)")
    folder = pathlib.Path(folder)
    if not folder.is_dir():
        raise UserError(f"{what}={folder}: no such folder")
    found = kind.find(folder, kind.defaults() if params is None else params)
    if not found:
        raise UserError(f"{what}={folder}: no usable {name + ' ' if name else ''}images found")
    return found
