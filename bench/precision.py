"""``PRECISION=auto`` on this machine: the driver's step under each precision, and what each learns.

Part 6 of ``bench/train.py``. ``auto`` takes ``mixed_bfloat16`` only where bfloat16 has matrix
units (``tfcorrect.nn.precision.machine_precision``); this measures, on the machine it runs on,
what either choice would give:

- **speed**: tfcorrect's step through ``fit`` as the driver runs it, built under ``float32`` and
  under ``mixed_bfloat16`` from the same table, on the same random batch, warmed up and then timed
  in alternating runs in one process; and the end-to-end seconds per step of the training runs below;
- **quality**: ``tfcorrect.training.driver.train`` on real photos (the bundled training photos,
  ``simulate_exposure``) for a few epochs under each precision and each of several seeds, the
  arms interleaved seed by seed; validation on a fixed set of other real photos (the demo photos),
  so seeds change the weights, the data order and the augmentation, not what is validated. The
  figure is the last epoch's ``val_g_l1`` in the run's ``history.csv``, shown per seed, as mean
  and sample standard deviation per arm, and as the gap of the means against that spread.
"""

import csv
import dataclasses
import statistics

from steps import Contender, fitter, random_data, timed_train  # bench/steps.py, beside this file

ARMS = ("float32", "mixed_bfloat16")


def step_contenders(params, batch):
    """The driver's step under each of :data:`ARMS`, on one random batch, each traced and warmed up."""
    import keras
    import tensorflow as tf

    from tfcorrect.methods import build_trainer
    from tfcorrect.training.driver import graph_options

    keras.utils.set_random_seed(params.seed)
    _, _, data = random_data(params, batch)
    driver = graph_options(tf.distribute.get_strategy())
    found = [Contender(f"driver's step, PRECISION={precision}",
                       fitter(build_trainer(dataclasses.replace(params, precision=precision)), data), driver)
             for precision in ARMS]
    for contender in found:
        contender.run(2)  # trace and optimise
    return found


def val_l1(run_dir):
    """``val_g_l1`` of each epoch, from the run folder's ``history.csv``."""
    with open(run_dir / "history.csv", newline="", encoding="utf-8") as f:
        return [float(row["val_g_l1"]) for row in csv.DictReader(f)]


def quality_runs(params, seeds, work):
    """Train every arm for every seed, interleaved; ``{precision: [{seed, val_g_l1 per epoch, s_per_step}]}``."""
    runs = {precision: [] for precision in ARMS}
    for seed in range(seeds):
        for precision in ARMS:
            run_dir = work / f"quality-{precision}-seed{seed}"
            seconds = timed_train(dataclasses.replace(params, precision=precision, seed=seed), run_dir)
            runs[precision].append({"seed": seed, "val_g_l1": val_l1(run_dir), "s_per_step": seconds})
            print(f"  seed {seed} {precision:<15} val_g_l1 {runs[precision][-1]['val_g_l1'][-1]:.4f} "
                  f"(epoch 1: {runs[precision][-1]['val_g_l1'][0]:.4f}), {seconds:.2f} s/step", flush=True)
    return runs


def spread(values):
    """``(mean, sample standard deviation)`` of ``values``."""
    return statistics.mean(values), statistics.stdev(values) if len(values) > 1 else 0.0


def print_speed(found, batch, rounds, steps):
    """One row per arm at ``batch``: median s/step and its ratio to float32's; returns the figures."""
    base = statistics.median(found[0].seconds)
    print(f"\nPRECISION at batch {batch}, {rounds} x {steps} steps each, alternating:")
    rows = {}
    for contender in found:
        seconds = statistics.median(contender.seconds)
        print(f"  {contender.name:<40} {seconds:7.2f} s/step {batch / seconds:6.2f} img/s "
              f"{base / seconds:5.2f}x float32's speed")
        rows[contender.name] = {"s_per_step": seconds, "runs": contender.seconds}
    return rows


def print_quality(runs):
    """Mean ± sd of the last epoch's ``val_g_l1`` per arm, the gap of the means and the end-to-end speed."""
    last = {precision: [run["val_g_l1"][-1] for run in found] for precision, found in runs.items()}
    (mean_a, sd_a), (mean_b, sd_b) = (spread(last[p]) for p in ARMS)
    gap = mean_b - mean_a
    paired = [b - a for a, b in zip(*(last[p] for p in ARMS))]
    within = abs(gap) <= max(sd_a, sd_b)
    speed = {p: statistics.median(run["s_per_step"] for run in runs[p]) for p in ARMS}
    print(f"  last-epoch val_g_l1 over {len(last[ARMS[0]])} seeds: {ARMS[0]} {mean_a:.4f} ± {sd_a:.4f}, "
          f"{ARMS[1]} {mean_b:.4f} ± {sd_b:.4f} (mean ± sd); gap of means {gap:+.4f}, per seed "
          f"{', '.join(f'{d:+.4f}' for d in paired)}; the gap is {'within' if within else 'beyond'}"
          f" the seed spread")
    print(f"  end to end (median over the runs): {ARMS[0]} {speed[ARMS[0]]:.2f} s/step, {ARMS[1]} "
          f"{speed[ARMS[1]]:.2f} s/step, {speed[ARMS[0]] / speed[ARMS[1]]:.2f}x float32's speed")
    return {"last_val_g_l1": last, "mean_sd": {ARMS[0]: [mean_a, sd_a], ARMS[1]: [mean_b, sd_b]}, "gap": gap,
            "within_spread": within, "end_to_end_s_per_step": speed}
