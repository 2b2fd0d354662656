"""Build hook only: the metadata lives in setup.cfg.

``build_py`` also copies the top-level ``param_tables/*.csv`` and the whole ``saved_models/`` tree
into ``tfcorrect/shipped/`` of the build, so a wheel (``pip install .``) carries the shipped tables
and the default model; :mod:`tfcorrect.io.shipped` finds them there. An editable install
(``pip install -e .``) copies nothing and finds them in the checkout.
"""

import pathlib
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = pathlib.Path(__file__).resolve().parent
SHIPPED = ("param_tables", "saved_models")
# Left out of the wheel: training leftovers (also in .gitignore) and byte code.
LEFT_OUT = ("checkpoint.npz", "__pycache__", "*.pyc", ".DS_Store")


class BuildPyWithShippedFiles(build_py):
    """``build_py`` that also puts ``param_tables/*.csv`` and ``saved_models/`` under ``tfcorrect/shipped``."""

    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return  # the checkout itself is on the path
        target = pathlib.Path(self.build_lib) / "tfcorrect" / "shipped"
        if target.exists():
            shutil.rmtree(target)  # nothing left over from an earlier build
        tables = target / "param_tables"
        tables.mkdir(parents=True)
        for csv in sorted((ROOT / "param_tables").glob("*.csv")):
            shutil.copy2(csv, tables / csv.name)
        models = ROOT / "saved_models"
        if models.is_dir():
            shutil.copytree(models, target / "saved_models", ignore=shutil.ignore_patterns(*LEFT_OUT))
        else:
            (target / "saved_models").mkdir()

    def get_outputs(self, include_bytecode=1):
        outputs = super().get_outputs(include_bytecode)
        target = pathlib.Path(self.build_lib) / "tfcorrect" / "shipped"
        if target.is_dir():
            outputs += [str(path) for path in sorted(target.rglob("*")) if path.is_file()]
        return outputs


setup(cmdclass={"build_py": BuildPyWithShippedFiles})
