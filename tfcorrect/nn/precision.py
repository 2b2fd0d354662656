"""Mixed precision: the table's ``PRECISION`` as a Keras dtype policy.

Networks are built under the policy (computations in float16 / bfloat16, variables in float32),
their outputs are float32 (heads and logits are float32 layers), and float16 training scales the
loss so small gradients do not underflow. The weights saved are float32 in every case.

``PRECISION=auto`` is chosen by the machine (:func:`machine_precision`): ``mixed_bfloat16`` where
bfloat16 has matrix units (a CPU with AMX, a GPU of compute capability 8.0 or more), ``float32``
elsewhere, where bfloat16 is emulated and slower than float32 (``bench/README.md``).
"""

import contextlib
import functools
import pathlib

import keras
import tensorflow as tf

# PRECISION -> whether its gradients need loss scaling (float16's exponent range is narrow);
# "auto" has none of its own: it is one of the others, chosen by machine_precision().
PRECISIONS = {"auto": None, "float32": False, "mixed_bfloat16": False, "mixed_float16": True}

# The first compute capability whose tensor cores multiply bfloat16 (Ampere).
BF16_COMPUTE_CAPABILITY = (8, 0)


def cpu_has_amx(cpuinfo):
    """Whether a ``/proc/cpuinfo`` text lists the ``amx_bf16`` flag (AMX's bfloat16 tile multiply) on every CPU."""
    flags = [line.split(":", 1)[1].split() for line in cpuinfo.splitlines()
             if line.startswith("flags") and ":" in line]
    return bool(flags) and all("amx_bf16" in cpu for cpu in flags)


def gpu_has_bf16(details):
    """Whether a GPU, given by ``tf.config.experimental.get_device_details``, has bfloat16 tensor cores."""
    capability = details.get("compute_capability")
    return capability is not None and tuple(capability) >= BF16_COMPUTE_CAPABILITY


def auto_precision(cpuinfo, gpus):
    """What ``PRECISION=auto`` picks on a machine, and why, in a few words.

    Args:
        cpuinfo: the text of ``/proc/cpuinfo`` (empty where there is none).
        gpus: ``tf.config.experimental.get_device_details`` of each visible GPU; with any, the
            networks run there and the CPU does not matter.

    Returns:
        A ``(precision, reason)`` pair.
    """
    if gpus:
        names = ", ".join(details.get("device_name", "GPU") for details in gpus)
        capabilities = ", ".join(".".join(map(str, details.get("compute_capability") or ("?",))) for details in gpus)
        if all(gpu_has_bf16(details) for details in gpus):
            return "mixed_bfloat16", f"auto: {names} with bfloat16 tensor cores (compute capability {capabilities})"
        return "float32", f"auto: {names} without bfloat16 tensor cores (compute capability {capabilities} < 8.0)"
    if cpu_has_amx(cpuinfo):
        return "mixed_bfloat16", "auto: no GPU; this CPU has AMX (amx_bf16)"
    return "float32", "auto: no GPU; this CPU has no AMX (no amx_bf16 in /proc/cpuinfo)"


@functools.cache
def machine_precision():
    """``(precision, reason)`` that ``PRECISION=auto`` picks on this machine (read once per process)."""
    cpuinfo = pathlib.Path("/proc/cpuinfo")
    text = cpuinfo.read_text(encoding="utf-8", errors="replace") if cpuinfo.is_file() else ""
    gpus = [tf.config.experimental.get_device_details(gpu) for gpu in tf.config.list_physical_devices("GPU")]
    return auto_precision(text, gpus)


def chosen_precision(precision):
    """``(precision, reason)``: ``precision`` itself, or for ``"auto"`` this machine's choice."""
    if precision not in PRECISIONS:
        raise ValueError(f"unknown PRECISION {precision!r}; known: {', '.join(PRECISIONS)}")
    return machine_precision() if precision == "auto" else (precision, "as set")


@contextlib.contextmanager
def dtype_policy(precision):
    """Build layers under ``precision``'s Keras dtype policy; the previous policy is restored after."""
    policy, _ = chosen_precision(precision)
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(policy)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def wrap_optimizer(optimizer, precision):
    """``optimizer``, inside a ``keras.optimizers.LossScaleOptimizer`` when ``precision`` needs one."""
    policy, _ = chosen_precision(precision)
    return keras.optimizers.LossScaleOptimizer(optimizer) if PRECISIONS[policy] else optimizer
