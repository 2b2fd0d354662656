"""What the table's own recipe costs: its batch at its size, a few steps under float32 and mixed precision.

Part ``paper`` of ``bench/train.py``. The table as it stands (``param_tables/pix2pix_exposure.csv``:
u1921415's 256 px, batch 64) is built under each precision and its driver's step timed on a random
batch. On a GPU that is the table's batch, with the device's peak memory per precision
(``tf.config.experimental.get_memory_info``); the mixed precisions are ``mixed_float16`` (loss
scaled) and, where the GPU has bfloat16 tensor cores, ``mixed_bfloat16``. On a CPU the batch is the
largest that fits: the resident memory one more image adds is measured from batch 1 to batch 2
(``VmHWM``, the process's peak), and the batch is the largest power of two up to the table's whose
projected peak stays under :data:`MEMORY_SHARE` of the memory available when the part starts. The
full run's cost is then the step time times the paper's steps (its epochs over its training pairs at
that batch).
"""

import dataclasses
import math
import statistics

from rss import vm_hwm_bytes  # bench/rss.py, beside this file
from steps import Contender, fitter, random_data

MEMORY_SHARE = 0.6  # of MemAvailable a CPU batch may take: the rest is headroom for TensorFlow's own buffers
PAPER_PAIRS = 17_675  # Afifi et al.'s training inputs, u1921415's data
GIB = 2 ** 30


def mem_available_bytes():
    """``MemAvailable`` of ``/proc/meminfo`` in bytes."""
    with open("/proc/meminfo", encoding="ascii") as meminfo:
        for line in meminfo:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no MemAvailable in /proc/meminfo")


def precisions():
    """The precisions to compare here: float32 and this machine's mixed ones."""
    import tensorflow as tf

    from tfcorrect.nn.precision import gpu_has_bf16

    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        return ("float32", "mixed_bfloat16")
    bf16 = all(gpu_has_bf16(tf.config.experimental.get_device_details(gpu)) for gpu in gpus)
    return ("float32", "mixed_float16", *(("mixed_bfloat16",) if bf16 else ()))


def _contender(params, batch, precision):
    import keras
    import tensorflow as tf

    from tfcorrect.methods import build_trainer
    from tfcorrect.training.driver import graph_options

    keras.utils.set_random_seed(params.seed)
    _, _, data = random_data(params, batch)
    trainer = build_trainer(dataclasses.replace(params, precision=precision, batch_size=batch))
    return Contender(f"PRECISION={precision}", fitter(trainer, data), graph_options(tf.distribute.get_strategy()))


def cpu_batch(params, precision):
    """``(batch, bytes per image, peak at batch 2)``: the largest power-of-two batch up to the table's that fits."""
    peaks = []
    for batch in (1, 2):
        _contender(params, batch, precision).run(1)
        peaks.append(vm_hwm_bytes())
    per_image = max(peaks[1] - peaks[0], 1)
    budget = MEMORY_SHARE * mem_available_bytes() - peaks[1]
    fits = max(1, 2 + int(budget // per_image))
    return min(params.batch_size, 2 ** int(math.log2(fits))), per_image, peaks[1]


def measure(params, steps):
    """Time the table's recipe under each precision; prints a table and returns its figures."""
    import tensorflow as tf

    gpu = bool(tf.config.list_physical_devices("GPU"))
    arms = precisions()
    figures = {"device": "GPU" if gpu else "CPU", "table_batch": params.batch_size, "resol": params.resol}
    if gpu:
        batch = params.batch_size
    else:
        batch, per_image, peak = cpu_batch(params, arms[-1])  # bfloat16's activations are the smaller
        figures.update(bytes_per_image=per_image, peak_at_batch_2=peak)
        print(f"  CPU: {per_image / GIB:.2f} GiB more per image (batch 1 -> 2); largest batch that fits under "
              f"{MEMORY_SHARE:.0%} of the memory available: {batch} (the table's: {params.batch_size})")
    paper_steps = params.epochs * math.ceil(PAPER_PAIRS / batch)
    print(f"\nthe table's recipe ({params.resol} px), batch {batch}, {steps} timed steps after 2 warm-up steps; "
          f"the paper's run: {params.epochs} epochs x {math.ceil(PAPER_PAIRS / batch)} steps = {paper_steps} steps")
    print(f"  {'precision':<26} {'s/step':>8} {'img/s':>7} {'vs float32':>10} {'peak memory':>12} {'full run':>10}")
    rows, base = {}, None
    for precision in arms:
        if gpu:
            tf.config.experimental.reset_memory_stats("GPU:0")
        contender = _contender(params, batch, precision)
        contender.run(2)
        contender.time(steps)
        seconds = statistics.median(contender.seconds)
        peak = tf.config.experimental.get_memory_info("GPU:0")["peak"] if gpu else vm_hwm_bytes()
        base = base or seconds
        rows[precision] = {"s_per_step": seconds, "peak_bytes": peak, "full_run_hours": seconds * paper_steps / 3600}
        print(f"  {contender.name:<26} {seconds:8.3f} {batch / seconds:7.1f} {base / seconds:9.2f}x "
              f"{peak / GIB:9.2f} GiB {rows[precision]['full_run_hours']:8.1f} h", flush=True)
        del contender
    if not gpu:
        print("  (CPU peak memory is the process's peak so far, VmHWM: it never falls, so later rows include earlier ones)")
    figures.update(batch=batch, paper_steps=paper_steps, rows=rows)
    return figures
