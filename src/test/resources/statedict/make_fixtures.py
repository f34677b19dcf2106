"""Writes the state-dict fixtures of StateDictTest and PyTorchCheckpointTest: run `/usr/bin/python3 make_fixtures.py` here.

A small HiFi-GAN-style upsampler in PyTorch: two weight-normalised ConvTranspose1d layers (ups.0: 16 -> 8 channels,
K 16, stride 8, padding 4; ups.1: 8 -> 4, K 4, stride 2, padding 1), each followed by leaky ReLU(0.1), then a plain
ConvTranspose1d post layer (4 -> 1, K 7, padding 3) and tanh. The weight-norm magnitudes g are scaled away from
||v|| so that folding them matters. Its state dict is written four ways:

- upsampler_weight_norm.safetensors / .npz: torch.nn.utils.weight_norm's keys (weight_g, weight_v); the .npz is
  deflated (np.savez_compressed);
- upsampler_parametrizations.safetensors / .npz: torch.nn.utils.parametrizations.weight_norm's keys
  (parametrizations.weight.original0/original1); the .npz is stored (np.savez). When the installed PyTorch
  lacks that API (it arrived in 2.1; Debian's is 1.13) the same tensors are written under those names, which
  is what a state dict saved by the newer API holds.

upsampler_x.npy is a float32 input (2, 16, 10); upsampler_h0.npy, upsampler_h1.npy and upsampler_y.npy the outputs
of ups.0, ups.1 and post (after their activations) computed by PyTorch in float64 (weight norm folded in float64
too), the references for both float32 and float64 runs.

halves.safetensors holds F16 and BF16 values (specials, subnormals, random) with their float32 values as
PyTorch converts them, under f16/f16_as_f32 and bf16/bf16_as_f32.

safetensors files are written by this script per the format (8-byte little-endian header length, JSON header
padded with spaces to a multiple of 8, raw little-endian data) as the safetensors package is not installed here.
Needs numpy and torch (Debian: apt-get install python3-torch).
"""
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from safetensors_writer import save_safetensors

torch.manual_seed(20241122)
NEW_API = hasattr(torch.nn.utils, "parametrizations") and hasattr(torch.nn.utils.parametrizations, "weight_norm")


class Upsampler(nn.Module):
    def __init__(self, weight_norm):
        super().__init__()
        self.ups = nn.ModuleList([weight_norm(nn.ConvTranspose1d(16, 8, 16, 8, padding=4)),
                                  weight_norm(nn.ConvTranspose1d(8, 4, 4, 2, padding=1))])
        self.post = nn.ConvTranspose1d(4, 1, 7, 1, padding=3)

    def forward(self, x):
        return self.layers(x)[-1]

    def layers(self, x):
        """Each layer's output after its activation."""
        outputs = []
        for up in self.ups:
            x = F.leaky_relu(up(x), 0.1)
            outputs.append(x)
        outputs.append(torch.tanh(self.post(x)))
        return outputs


def perturb_magnitudes(model, names):
    with torch.no_grad():
        for up in model.ups:
            g = getattr(up, names[0]) if names[0] == "weight_g" else up.parametrizations.weight.original0
            g.mul_(torch.empty_like(g).uniform_(0.5, 1.5))


model = Upsampler(torch.nn.utils.weight_norm)
perturb_magnitudes(model, ["weight_g"])
state = {k: v.detach().clone() for k, v in model.state_dict().items()}
assert any(k.endswith("weight_g") for k in state), sorted(state)

x = torch.empty(2, 16, 10).uniform_(-1, 1)
with torch.no_grad():
    h0, h1, y = model.double().layers(x.double())
np.save("upsampler_x.npy", x.numpy())
np.save("upsampler_h0.npy", h0.numpy())
np.save("upsampler_h1.npy", h1.numpy())
np.save("upsampler_y.npy", y.numpy())

save_safetensors("upsampler_weight_norm.safetensors", state)
np.savez_compressed("upsampler_weight_norm.npz", **{k: v.numpy() for k, v in state.items()})

if NEW_API:
    new_model = Upsampler(torch.nn.utils.parametrizations.weight_norm)
    new_model.load_state_dict({k.replace("weight_g", "parametrizations.weight.original0")
                              .replace("weight_v", "parametrizations.weight.original1"): v for k, v in state.items()})
    renamed = {k: v.detach().clone() for k, v in new_model.state_dict().items()}
else:
    renamed = {k.replace("weight_g", "parametrizations.weight.original0")
               .replace("weight_v", "parametrizations.weight.original1"): v for k, v in state.items()}
save_safetensors("upsampler_parametrizations.safetensors", renamed)
np.savez("upsampler_parametrizations.npz", **{k: v.numpy() for k, v in renamed.items()})

specials = torch.tensor([0.0, -0.0, 1.0, -2.5, 65504.0, -65504.0, 6.1035156e-05, 5.9604645e-08, -5.9604645e-08,
                         3.0517578e-05, float("inf"), float("-inf"), float("nan")])
f16 = torch.cat([specials, torch.empty(51).normal_(0, 100)]).half()
bf16 = torch.cat([specials, torch.tensor([3.0e38, -1.0e-38, 9.2e-41]), torch.empty(48).normal_(0, 1e5)]).bfloat16()
save_safetensors("halves.safetensors", {"f16": f16.reshape(8, 8), "f16_as_f32": f16.float().reshape(8, 8),
                                        "bf16": bf16, "bf16_as_f32": bf16.float()})
print("torch", torch.__version__, "parametrizations API" if NEW_API else "renamed weight_g/weight_v keys")
