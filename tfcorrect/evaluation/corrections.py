"""Each test pair (or input without a target) read once and corrected by every method, the next one while the
caller scores this one."""

import concurrent.futures
import dataclasses

import numpy as np

from tfcorrect.errors import UserError
from tfcorrect.io.images import read_rgb


@dataclasses.dataclass
class Corrected:
    """One example's input, target (None without one) and each method's output clipped to [0, 1], or why there are none.

    Attributes:
        example: the example (``input`` and ``target`` paths).
        image, target: ``HxWx3`` float32 (None when ``error`` is set).
        outputs: method name -> ``HxWx3`` output.
        error: the exception reading or correcting the pair raised, else None.
    """

    example: object
    image: np.ndarray = None
    target: np.ndarray = None
    outputs: dict = dataclasses.field(default_factory=dict)
    error: Exception = None


def read_pair(example):
    """``(input, target)`` of an example as RGB arrays of the same size.

    Raises:
        UserError: a file cannot be read, or the two sizes differ (the message names the input).
    """
    image, target = read_rgb(example.input)[0], read_rgb(example.target)[0]
    if image.shape != target.shape:
        raise UserError(f"{example.input}: size {image.shape[1]}x{image.shape[0]} differs from its target "
                        f"{example.target} ({target.shape[1]}x{target.shape[0]})")
    return image, target


def correct(example, methods):
    """The :class:`Corrected` of one example (without a target when ``example.target`` is ``""``)."""
    try:
        image, target = read_pair(example) if example.target else (read_rgb(example.input)[0], None)
        outputs = {name: np.clip(method(image), 0.0, 1.0) for name, method in methods.items()}
    except Exception as err:  # one bad pair must not stop the evaluation; the caller names it
        return Corrected(example, error=err)
    return Corrected(example, image, target, outputs)


def prefetched(function, examples, methods):
    """``function(example, methods)`` of each example in order, the next one prepared in a second thread meanwhile.

    The baselines (NumPy, scikit-image) and the scoring (TensorFlow, NumPy) release the GIL in their
    array work, so on two cores one example is corrected while the one before it is scored.
    """
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        pending = None
        for example in examples:
            ahead = pool.submit(function, example, methods)
            if pending is not None:
                yield pending.result()
            pending = ahead
        if pending is not None:
            yield pending.result()


def corrected(examples, methods):
    """:func:`correct` of each example in order, prefetched (:func:`prefetched`)."""
    return prefetched(correct, examples, methods)
