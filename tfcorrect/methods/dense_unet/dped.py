"""The DPED layout (Ignatov et al. 2017): a phone's patches beside the Canon DSLR's."""

from tfcorrect.data.examples import match_by_stem, subfolders
from tfcorrect.data.kinds import DataKind, folder_only
from tfcorrect.errors import UserError


def find_dped(folder):
    """DPED (Ignatov et al. 2017): a phone's patches matched to the Canon DSLR's by relative path and stem.

    ``folder`` is a phone folder ``<phone>/`` holding ``training_data/{<phone>,canon}/`` (training), or a
    folder holding ``{<phone>,canon}/`` itself such as ``<phone>/test_data/patches/``. The one subfolder
    beside ``canon/`` is the phone's.

    Raises:
        UserError: no ``canon/``, or not exactly one phone folder beside it.
    """
    pairs = folder / "training_data" if (folder / "training_data").is_dir() else folder
    if not (pairs / "canon").is_dir():
        raise UserError(f"{folder}: a dped dataset needs training_data/canon/ (a phone folder) or canon/ beside "
                        f"the phone's folder (e.g. test_data/patches/); it has {subfolders(folder)}")
    phones = sorted(p for p in pairs.iterdir() if p.is_dir() and p.name != "canon" and not p.name.startswith("."))
    if len(phones) != 1:
        raise UserError(f"{pairs}: a dped folder needs exactly one phone folder beside canon/; it has "
                        f"{subfolders(pairs)}")
    return match_by_stem(phones[0], pairs / "canon")


# DATASET=dped: a phone's patches matched to the DSLR's.
DPED = DataKind(folder_only(find_dped), layout=("canon",))
