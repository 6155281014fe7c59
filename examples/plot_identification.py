"""
Identifying where an RDM came from
==================================

Lin & Kriegeskorte (2024) ask how well a summary statistic of RDMs keeps what
distinguishes representations (brain regions, network layers: the *classes*)
and discards what differs between *individuals* (subjects, network seeds).
Each individual's RDM is assigned to the nearest class centroid built from
the other individuals; the accuracy of these assignments scores the
statistic.

This example runs the protocol on the real human-IT RDMs of Kriegeskorte et
al. (2008): 4 subjects, 2 scanning sessions each, 92 images (shipped with
the package; cite Kriegeskorte et al. 2008, Neuron 60:1126-1141). With so
few RDMs the numbers are noisy -- which is exactly what the bootstrap
intervals and the nested cross-validation below make visible.
"""

# %%
# Which subject does a session's RDM come from?
# ---------------------------------------------
# Classes are the subjects, individuals the sessions: each session-2 RDM is
# assigned to the nearest session-1 RDM and vice versa (chance 1/4).
import matplotlib.pyplot as plt

from rsatoolbox_topo import TopoStatistic, vis
from rsatoolbox_topo.datasets import load_92images
from rsatoolbox_topo.identification import (bootstrap_identify,
                                            compare_regimes, identify,
                                            nested_threshold_cv,
                                            threshold_map)

hit = load_92images("hit")
raw = identify(hit, by="subject", across="session")
topo = identify(hit, by="subject", across="session",
                statistic=TopoStatistic("rgtm", lower=0.4, upper=0.6))
print(f"raw RDMs: {raw.accuracy:.2f}, topology-sensitive RGTM: "
      f"{topo.accuracy:.2f} (chance {raw.chance:.2f})")
print(raw.summary())
raw.plot()
print(raw.to_frame())

# %%
# A statistic has one meaning however it is written: the object above, its
# dict (what ``TopoStatistic.to_dict`` writes), or, with the statistic's
# defaults, its name.
same = identify(hit, by="subject", across="session",
                statistic={"name": "rgtm",
                           "params": {"lower": 0.4, "upper": 0.6}})
assert same.accuracy == topo.accuracy

# %%
# Uncertainty: the two-factor bootstrap
# -------------------------------------
# Now the classes are the sessions and the individuals the 4 subjects. The
# bootstrap resamples subjects (with all their RDMs) and images; a pair made
# of one image drawn twice is dropped.
boot = bootstrap_identify(hit, by="session", across="subject",
                          statistic="rank_normalize", n_bootstrap=200,
                          ci_level=0.95, random_state=0)
print(boot.summary())
boot.plot()
plt.show()

# %%
# The (lower, upper) map
# ----------------------
# Accuracy of every RGTM on the grid of thresholds (step 0.05, the binary
# diagonal included); the white lines separate the regimes and the star marks
# the best cell -- chosen on the very data it is scored on.
tmap = threshold_map(hit, by="session", across="subject", step=0.05)
lower, upper, best = tmap.best
print(f"best cell (in-sample): lower={lower:g}, upper={upper:g}, "
      f"accuracy {best:.2f}")
tmap.plot()
plt.show()

# %%
# The report draws the same map with each regime named inside it.
vis.plot_threshold_map(tmap, label_regimes=True)
plt.show()

# %%
# How optimistic is the best cell?
# --------------------------------
# Nested cross-validation chooses the thresholds on 3 subjects and scores
# them on the 4th. The gap to the in-sample best is the optimism of picking
# the best cell.
cv = nested_threshold_cv(hit, by="session", across="subject", step=0.05)
print(f"in-sample best {cv.in_sample_accuracy:.2f}, nested "
      f"{cv.nested_accuracy:.2f}, optimism {cv.optimism:+.2f}")
print(cv.to_frame())
cv.plot()
plt.show()

# %%
# Regimes on shared bootstrap samples
# -----------------------------------
# Thresholds drawn at random inside each regime, scored on the same
# bootstrap samples as the rank RDM, so that differences are paired.
comparison = compare_regimes(hit, by="session", across="subject", n_draws=5,
                             n_bootstrap=100, random_state=1)
print(comparison.to_frame().round(3).to_string())
comparison.plot()
plt.show()
