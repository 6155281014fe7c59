"""
Topological RSA over time from MNE epochs
=========================================

MEG and EEG data usually live in :class:`mne.Epochs`. This example goes from
epochs to time-resolved RDMs (crossvalidated Mahalanobis distances,
'crossnobis') with the MNE bridge (:mod:`rsatoolbox_topo.bridges.mne`), then,
with the time-course engine (:mod:`rsatoolbox_topo.timecourse`), compares two
model RDMs with the data at every time point through a geo-topological
statistic, with bootstrap confidence intervals and a cluster-based
permutation test corrected over time, and plots the time courses.

No many-condition M/EEG recording can be downloaded here, so the epochs are
simulated with a known structure and known latencies: 12 images in 3
categories (faces, bodies, objects) whose low-level features drive the
response from 60 ms on, and whose category drives it from 150 ms on. The
analysis should find the low-level model first and the category model later,
and neither before its latency.
"""

# %%
# Simulate epochs with a planted structure
# ----------------------------------------
# Every image has 4 low-level features (think contrast, size, ...); from
# 60 ms to about 250 ms the response holds a projection of these features to
# the channels, from 150 ms on a category prototype. The projections differ
# between subjects (as head shapes and cortical folding do), the structure
# does not. The noise is correlated over channels, as in real sensors.
import numpy as np
import mne
from rsatoolbox.rdm import RDMs

from rsatoolbox_topo import TopoStatistic, rank_normalize
from rsatoolbox_topo.bridges.mne import epochs_to_dataset, time_resolved_rdms
from rsatoolbox_topo.timecourse import model_timecourse

rng = np.random.default_rng(2024)
categories = ["face", "body", "object"]
names = [f"{cat}/{i}" for cat in categories for i in range(4)]
category = np.repeat(np.arange(3), 4)
features = rng.normal(size=(12, 4))

sfreq, n_chan, n_rep = 100.0, 32, 8
times = np.arange(-0.1, 0.5 + 1e-9, 1 / sfreq)
# low-level: a transient from 60 ms to about 250 ms; category: from 150 ms
early = np.clip((times - 0.06) / 0.03, 0, 1) * np.clip((0.3 - times) / 0.05,
                                                        0, 1)
late = np.clip((times - 0.15) / 0.03, 0, 1)


def simulate_subject(seed):
    """Epochs of one subject: own sensor projections, shared structure."""
    sub = np.random.default_rng(seed)
    low_level = features @ sub.normal(size=(4, n_chan)) * 0.3
    prototypes = sub.normal(size=(3, n_chan)) * 0.8
    codes = np.tile(np.arange(12), n_rep)
    mixing = np.eye(n_chan) + 0.3 * sub.normal(size=(n_chan, n_chan))
    noise = np.einsum("cd,edt->ect", mixing,
                      sub.normal(size=(len(codes), n_chan, len(times))))
    signal = (low_level[codes][:, :, None] * early
              + prototypes[category[codes]][:, :, None] * late)
    info = mne.create_info([f"EEG{i:02d}" for i in range(n_chan)], sfreq,
                           "eeg")
    events = np.c_[np.arange(len(codes)) * 100, np.zeros(len(codes), int),
                   codes + 1]
    return mne.EpochsArray((signal + noise) * 1e-6, info, events=events,
                           tmin=times[0], verbose=False,
                           event_id={n: i + 1 for i, n in enumerate(names)})


epochs = simulate_subject(0)
print(epochs)

# %%
# From epochs to an rsatoolbox dataset
# ------------------------------------
# Conditions come from ``event_id`` (or a metadata column); ``picks``,
# ``tmin``, ``tmax`` and ``decim`` work as in MNE. Each epoch's repetition
# number becomes the default crossvalidation fold.
dataset = epochs_to_dataset(epochs, picks="eeg", tmin=-0.1, tmax=0.5)
print(dataset.measurements.shape, dataset.obs_descriptors["conditions"][:3],
      dataset.obs_descriptors["repetition"][:14])

# %%
# One RDM per time point
# ----------------------
# Crossnobis with multivariate noise normalisation (shrinkage estimate of the
# noise from the residuals): unbiased, so it averages 0 where the conditions
# do not differ, and it can be negative.
rdms = time_resolved_rdms(epochs, dissimilarity="crossnobis",
                          noise="shrinkage_diag")
mean_distance = rdms.dissimilarities.mean(axis=1)
for t in (-0.05, 0.1, 0.3):
    i = np.argmin(np.abs(rdms.rdm_descriptors["time"] - t))
    print(f"mean crossnobis at {t:+.2f} s: {mean_distance[i]:.3f}")

# %%
# Models
# ------
# The category model (0 within, 1 between categories) and the low-level
# model (distances between the images' features). Naming the conditions
# lets the engine align the models with the data.
iu = np.triu_indices(12, 1)
category_rdm = (category[:, None] != category[None, :]).astype(float)[iu]
feature_rdm = np.linalg.norm(features[:, None] - features[None], axis=2)[iu]
models = RDMs(np.stack([category_rdm, feature_rdm]),
              rdm_descriptors={"name": ["category", "low-level"]},
              pattern_descriptors={"conditions": names})

# %%
# Model time courses with the rank RDM
# ------------------------------------
# The statistic (here the rank RDM) is applied to data and models inside
# every bootstrap sample of the conditions; the same conditions are drawn at
# every time point, so the confidence intervals of neighbouring times are
# coherent. With one subject the test permutes the models' conditions and
# corrects over time with cluster masses.
result = model_timecourse(rdms, models, method="corr",
                          statistic="rank_normalize", n_bootstrap=300,
                          correction="cluster", n_permutations=500,
                          random_state=0)
print(result.summary())
print({name: round(t, 3) for name, t in result.onsets.items()})
ax = result.plot()

# %%
# A topological statistic
# -----------------------
# An RGTM keeps the neighbourhoods and damps the exact distances. A binary
# model such as the category model keeps its information only while the
# lower threshold lies below its share of 0-pairs (here 18 of 66 pairs,
# 0.27); above it the model becomes constant and the engine says so.
topo = TopoStatistic("rgtm", lower=0.1, upper=0.5)
result_topo = model_timecourse(rdms, models, statistic=topo,
                               n_bootstrap=300, n_permutations=500,
                               random_state=0)
print({name: round(t, 3) for name, t in result_topo.onsets.items()})
ax = result_topo.plot()

# %%
# The numbers behind the figure
# -----------------------------
frame = result_topo.to_frame()
print(frame[frame["time"].between(0.14, 0.18)].round(3))

# %%
# Several subjects: MNE's cluster test
# ------------------------------------
# With one RDM per subject and time point (rdm descriptor ``subject``), the
# evaluations of the subjects are tested against 0 at every time point with
# :func:`mne.stats.permutation_cluster_1samp_test` (sign flips across
# subjects); the bootstrap resamples subjects and conditions together.
from rsatoolbox.rdm import concat

group = []
for subject in range(8):
    subject_rdms = time_resolved_rdms(simulate_subject(100 + subject),
                                      noise="shrinkage_diag")
    subject_rdms.rdm_descriptors["subject"] = [subject] * subject_rdms.n_rdm
    group.append(subject_rdms)
group = concat(group)
result_group = model_timecourse(group, models, statistic=topo,
                                subject_descriptor="subject",
                                n_bootstrap=200, correction="cluster",
                                n_permutations=256, random_state=0)
print({name: round(t, 3) for name, t in result_group.onsets.items()})
ax = result_group.plot()

# %%
# After 300 ms, when only the category drives the response, the low-level
# model still stays a little above 0 across subjects. This is no leak of the
# method: under this RGTM the two model RDMs themselves correlate slightly
# (their rank RDMs do not), so a pure category response lends the low-level
# model some evaluation. What a model explains beyond another one needs a
# comparison between the models, not two separate tests.
for label, statistic in (("rank RDMs", rank_normalize), ("RGTMs", topo)):
    transformed = statistic(models).dissimilarities
    print(f"correlation of the two models' {label}: "
          f"{np.corrcoef(transformed)[0, 1]:.3f}")
