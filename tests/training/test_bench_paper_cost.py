"""``bench/train.py --parts paper``: the table's own recipe timed under float32 and mixed precision."""

import json
import math
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_the_paper_part_times_each_precision_at_a_batch_that_fits_and_prices_the_full_run(tmp_path):
    out = tmp_path / "bench.json"
    command = [sys.executable, str(ROOT / "bench" / "train.py"), "--parts", "paper", "--set", "RESOL=64",
               "--set", "NGF=4", "--set", "NDF=4", "--set", "BATCH_SIZE=8", "--set", "EPOCHS=3",
               "--paper-steps", "1", "--json", str(out)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    paper = json.loads(out.read_text())["paper"]
    assert paper["table_batch"] == 8 and 1 <= paper["batch"] <= 8
    assert paper["paper_steps"] == 3 * math.ceil(17_675 / paper["batch"])
    assert set(paper["rows"]) >= {"float32"} and len(paper["rows"]) >= 2  # float32 and a mixed precision
    for row in paper["rows"].values():
        assert row["s_per_step"] > 0 and row["peak_bytes"] > 0
        assert math.isclose(row["full_run_hours"], row["s_per_step"] * paper["paper_steps"] / 3600)
    assert "full run" in result.stdout and "PRECISION=float32" in result.stdout
