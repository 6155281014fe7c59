"""Tests of the torch bridge: known activations, hooks, modes, errors."""

import subprocess
import sys

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

torch = pytest.importorskip("torch")

from rsatoolbox_topo.bridges.torch import (  # noqa: E402
    extract_activations, layer_names, layer_rdms)


def _linear_net():
    """Identity Linear(3, 3) followed by a ReLU, with known outputs."""
    net = torch.nn.Sequential(torch.nn.Linear(3, 3), torch.nn.ReLU())
    with torch.no_grad():
        net[0].weight.copy_(torch.eye(3))
        net[0].bias.copy_(torch.tensor([0.0, 0.0, -2.5]))
    return net


STIMULI = np.array([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0], [1.0, 2.0, 4.0]])


def _hook_count(model):
    return sum(len(m._forward_hooks) for m in model.modules())


def test_import_does_not_import_torch():
    """Importing the package, its bridges or this bridge never imports torch."""
    code = ("import sys, rsatoolbox_topo, rsatoolbox_topo.bridges, "
            "rsatoolbox_topo.bridges.torch; "
            "assert 'torch' not in sys.modules, 'torch was imported'")
    result = subprocess.run([sys.executable, "-c", code],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_layer_names_lists_named_submodules():
    """layer_names gives the dotted submodule names without the root."""
    net = torch.nn.Sequential(
        torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.ReLU()),
        torch.nn.Flatten(), torch.nn.Linear(2, 1))
    assert layer_names(net) == ["0", "0.0", "0.1", "1", "2"]


def test_known_linear_activations():
    """Activations equal W x + b before and max(0, .) after the ReLU."""
    data = extract_activations(_linear_net(), STIMULI)
    assert [d.descriptors["layer"] for d in data] == ["0", "1"]
    assert_allclose(data[0].measurements,
                    STIMULI - np.array([0.0, 0.0, 2.5]))
    assert_allclose(data[1].measurements,
                    [[1.0, 2.0, 0.5], [3.0, 2.0, 0.0], [1.0, 2.0, 1.5]])
    assert data[1].measurements.dtype == np.float64
    assert data[0].obs_descriptors["stimulus"] == [0, 1, 2]
    assert_array_equal(data[0].channel_descriptors["unit"], [0, 1, 2])


def test_known_correlation_rdm():
    """The correlation RDM of a known layer matches its closed form."""
    net = _linear_net()
    with torch.no_grad():
        net[0].bias.zero_()
    rdms = layer_rdms(net, STIMULI, "0", dissimilarity="correlation",
                      stimulus_labels=["a", "b", "c"], model_name="seed 7")
    # centred a = (-1, 0, 1), b = (1, 0, -1), c = (-4, -1, 5) / 3
    r_ac = 9 / np.sqrt(84)
    assert_allclose(rdms.dissimilarities, [[2.0, 1 - r_ac, 1 + r_ac]],
                    rtol=1e-6)
    assert rdms.rdm_descriptors["layer"] == ["0"]
    assert rdms.rdm_descriptors["model"] == ["seed 7"]
    assert list(rdms.pattern_descriptors["stimulus"]) == ["a", "b", "c"]
    assert rdms.dissimilarity_measure == "correlation"


def test_layer_rdms_descriptors_and_measures():
    """Extra descriptors reach the RDMs, and any calc_rdm measure works."""
    rdms = layer_rdms(_linear_net(), STIMULI, ["1", "0"], dissimilarity="euclidean",
                      stimulus_descriptors={"digit": [4, 4, 9]},
                      descriptors={"seed": 3})
    assert rdms.rdm_descriptors["layer"] == ["1", "0"]
    assert rdms.rdm_descriptors["seed"] == [3, 3]
    assert list(rdms.pattern_descriptors["digit"]) == [4, 4, 9]
    # relu outputs (1, 2, .5), (3, 2, 0), (1, 2, 1.5): mean squared diffs
    assert_allclose(rdms.dissimilarities[0],
                    [(4 + 0.25) / 3, 1 / 3, (4 + 2.25) / 3])


def test_conv_maps_flattened_channel_major():
    """A conv map (C, H, W) is flattened per stimulus in C, H, W order."""
    conv = torch.nn.Conv2d(1, 2, kernel_size=2, bias=False)
    with torch.no_grad():
        conv.weight.copy_(torch.tensor([[[[1.0, 0.0], [0.0, 0.0]]],
                                        [[[0.0, 0.0], [0.0, 10.0]]]]))
    net = torch.nn.Sequential(conv)
    stimuli = np.arange(2 * 9, dtype=float).reshape(2, 1, 3, 3)
    data = extract_activations(net, stimuli, "0")[0]
    top_left = stimuli[:, 0, :2, :2].reshape(2, -1)
    bottom_right = 10 * stimuli[:, 0, 1:, 1:].reshape(2, -1)
    assert_allclose(data.measurements, np.hstack([top_left, bottom_right]))


def test_batching_does_not_change_activations():
    """Batches of 1, 2 and all stimuli give the same activations (float32)."""
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(5, 4), torch.nn.Tanh())
    stimuli = np.random.default_rng(0).normal(size=(7, 5))
    ref = extract_activations(net, stimuli, "1", batch_size=64)[0]
    for batch_size in (1, 2):
        got = extract_activations(net, stimuli, "1",
                                  batch_size=batch_size)[0]
        assert_allclose(got.measurements, ref.measurements, atol=1e-6)


def test_eval_mode_used_and_training_flags_restored():
    """Dropout is off during extraction; each module's flag comes back."""
    net = torch.nn.Sequential(torch.nn.Linear(3, 3), torch.nn.Dropout(0.9),
                              torch.nn.BatchNorm1d(3))
    net.train()
    net[2].eval()  # a mixed state must come back exactly
    data = extract_activations(net, STIMULI, ["0", "1"])
    assert_array_equal(data[1].measurements, data[0].measurements)
    assert [m.training for m in net.modules()] == [True, True, True, False]


def test_no_gradients_and_input_unchanged():
    """No graph is built, parameters get no grad, stimuli stay as given."""
    net = _linear_net()
    stimuli = STIMULI.copy()
    tensor = torch.tensor(STIMULI, dtype=torch.float32, requires_grad=True)
    extract_activations(net, stimuli)
    extract_activations(net, tensor)
    assert all(p.grad is None for p in net.parameters())
    assert torch.is_grad_enabled()
    assert_array_equal(stimuli, STIMULI)
    assert stimuli.dtype == np.float64
    assert tensor.grad is None


def test_hooks_removed_after_success():
    """No forward hook stays on any module after an extraction."""
    net = _linear_net()
    extract_activations(net, STIMULI)
    assert _hook_count(net) == 0


class _Failing(torch.nn.Module):
    """A network whose forward pass raises after its first layer ran."""

    def __init__(self, error):
        super().__init__()
        self.first = torch.nn.Linear(3, 3)
        self.error = error

    def forward(self, x):
        self.first(x)
        raise self.error


def test_hooks_removed_and_modes_restored_when_forward_raises():
    """A failing forward pass leaves no hooks and the training flag as set."""
    net = _Failing(KeyError("boom"))
    net.train()
    with pytest.raises(KeyError, match="boom"):
        extract_activations(net, STIMULI, "first")
    assert _hook_count(net) == 0
    assert net.training and net.first.training


def test_wrong_stimulus_shape_is_a_clear_error():
    """A shape the network rejects names the stimuli's shape."""
    net = _linear_net()
    with pytest.raises(ValueError, match=r"stimuli of shape \(3, 2\).*"
                       r"\(n_stimuli, \*input_shape\)"):
        extract_activations(net, STIMULI[:, :2])
    assert _hook_count(net) == 0
    with pytest.raises(ValueError, match=r"'stimuli'.*Got shape \(\)"):
        extract_activations(net, np.float64(1.0))
    with pytest.raises(ValueError, match=r"at least one stimulus.*\(0, 3\)"):
        extract_activations(net, np.zeros((0, 3)))
    with pytest.raises(TypeError, match="'stimuli'.*dtype <U1"):
        extract_activations(net, np.array([["a", "b", "c"]]))


def test_unknown_layer_lists_available_layers():
    """An unknown layer name is refused with the list of available ones."""
    with pytest.raises(ValueError, match=r"unknown layer name\(s\) \['fc9'\]"
                       r".*Available layers of this Sequential are "
                       r"\['0', '1'\]"):
        extract_activations(_linear_net(), STIMULI, ["0", "fc9"])
    with pytest.raises(ValueError, match="'layers'.*more than once"):
        extract_activations(_linear_net(), STIMULI, ["0", "0"])
    with pytest.raises(ValueError, match="'layers'.*at least one layer"):
        extract_activations(_linear_net(), STIMULI, [])


def test_other_parameter_errors():
    """Bad model, labels, batch size and descriptors name the parameter."""
    with pytest.raises(TypeError, match="'model'.*torch.nn.Module.*ndarray"):
        extract_activations(np.eye(3), STIMULI)
    with pytest.raises(ValueError, match="'stimulus_labels'.*\\(3\\). Got 2"):
        extract_activations(_linear_net(), STIMULI, stimulus_labels=[1, 2])
    with pytest.raises(ValueError, match="'batch_size'.*>= 1. Got 0"):
        extract_activations(_linear_net(), STIMULI, batch_size=0)
    with pytest.raises(ValueError, match="'descriptors'.*'layer'"):
        extract_activations(_linear_net(), STIMULI,
                            descriptors={"layer": "x"})
    with pytest.raises(ValueError, match="'stimulus_descriptors'.*'digit'"):
        extract_activations(_linear_net(), STIMULI,
                            stimulus_descriptors={"digit": [1]})


def test_reused_module_is_refused():
    """A module called twice per forward pass has ambiguous activations."""

    class Twice(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.shared = torch.nn.Linear(3, 3)

        def forward(self, x):
            return self.shared(self.shared(x))

    net = Twice()
    with pytest.raises(ValueError, match="'shared'.*called 2 times"):
        extract_activations(net, STIMULI, "shared")
    assert _hook_count(net) == 0


def test_tuple_output_uses_first_element():
    """A layer returning a tuple (an LSTM) is recorded by its first element."""
    torch.manual_seed(1)
    net = torch.nn.Sequential(torch.nn.LSTM(2, 3, batch_first=True))
    stimuli = torch.randn(4, 5, 2)
    data = extract_activations(net, stimuli, "0")[0]
    with torch.no_grad():
        expected = net[0](stimuli)[0].reshape(4, -1).numpy()
    assert_allclose(data.measurements, expected, rtol=1e-6)


def test_device_argument_cpu():
    """An explicit CPU device gives the same activations as the default."""
    net = _linear_net()
    got = extract_activations(net, STIMULI, device="cpu")[1]
    ref = extract_activations(net, STIMULI)[1]
    assert_array_equal(got.measurements, ref.measurements)
    assert next(net.parameters()).device.type == "cpu"


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_device_argument_cuda_moves_model_back():
    """On a GPU the activations match the CPU ones; the model goes back."""
    torch.manual_seed(2)
    net = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.ReLU())
    ref = extract_activations(net, STIMULI, "1")[0]
    got = extract_activations(net, STIMULI, "1", device="cuda")[0]
    assert_allclose(got.measurements, ref.measurements, rtol=1e-5,
                    atol=1e-6)
    assert next(net.parameters()).device.type == "cpu"
    assert _hook_count(net) == 0


def test_layer_rdms_names_dissimilarity_when_given_method():
    with pytest.raises(TypeError, match=r"did you mean dissimilarity='euclidean'"):
        layer_rdms(_linear_net(), STIMULI, "0", method="euclidean")
