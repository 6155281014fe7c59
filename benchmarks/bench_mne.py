"""Benchmark: time-resolved RDMs from MNE epochs vs rsatoolbox's calc_rdm_movie.

Simulated epochs (mne.EpochsArray): 40 conditions x 10 repetitions x 64
channels x 100 time points. Prints wall times (median of repeats; the
reference runs once), the speed-up, peak memory and the largest difference,
then the cost of a full ``model_timecourse`` (1000 bootstrap samples, 1000
permutations). The package's time includes building the dataset from the
epochs; the reference starts from that dataset.

Run: ``python benchmarks/bench_mne.py [--repeats 3]``
"""

import argparse
import warnings

import mne
import numpy as np
from _common import median_time, peak_memory_mb
from rsatoolbox.rdm import RDMs, calc_rdm_movie

from rsatoolbox_topo.bridges.mne import epochs_to_dataset, time_resolved_rdms
from rsatoolbox_topo.timecourse import model_timecourse


def simulated_epochs(n_cond=40, n_rep=10, n_chan=64, n_time=100, seed=0):
    rng = np.random.default_rng(seed)
    codes = np.tile(np.arange(n_cond), n_rep)
    info = mne.create_info(n_chan, 100.0, "eeg")
    events = np.c_[np.arange(len(codes)) * 100, np.zeros(len(codes), int),
                   codes + 1]
    return mne.EpochsArray(
        rng.normal(size=(len(codes), n_chan, n_time)), info, events=events,
        event_id={f"c{i:02d}": i + 1 for i in range(n_cond)}, verbose=False)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    epochs = simulated_epochs()
    dataset = epochs_to_dataset(epochs)
    for method in ("crossnobis", "euclidean"):
        t_ours, ours = median_time(
            lambda: time_resolved_rdms(epochs, dissimilarity=method),
            args.repeats)
        t_ref, ref = median_time(
            lambda: calc_rdm_movie(dataset, method=method,
                                   descriptor="conditions",
                                   cv_descriptor="repetition"), 1)
        mem_ours = peak_memory_mb(
            lambda: time_resolved_rdms(epochs, dissimilarity=method))
        mem_ref = peak_memory_mb(
            lambda: calc_rdm_movie(dataset, method=method,
                                   descriptor="conditions",
                                   cv_descriptor="repetition"))
        diff = np.abs(ours.dissimilarities - ref.dissimilarities).max()
        print(f"{method:10s} ours {t_ours:7.3f} s (peak {mem_ours:5.0f} MiB)"
              f"  calc_rdm_movie {t_ref:7.3f} s (peak {mem_ref:5.0f} MiB)"
              f"  speed-up {t_ref / t_ours:5.1f}x  max |diff| {diff:.1e}")
    rdms = time_resolved_rdms(epochs)
    n_pairs = rdms.n_cond * (rdms.n_cond - 1) // 2
    model = RDMs(np.random.default_rng(1).random((1, n_pairs)))
    t_model, _ = median_time(
        lambda: model_timecourse(rdms, model, statistic="rank_normalize",
                                 n_bootstrap=1000, n_permutations=1000,
                                 random_state=0), 1)
    print(f"model_timecourse (1000 bootstrap + 1000 permutations, "
          f"rank_normalize, 100 time points): {t_model:.2f} s")


if __name__ == "__main__":
    main()
