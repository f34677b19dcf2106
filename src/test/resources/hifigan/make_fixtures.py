"""Writes the HiFi-GAN fixtures of HifiGanTest, HifiGanStreamTest and the command line's VocodeCommandTest:
run `/usr/bin/python3 make_fixtures.py` here (needs numpy and torch; Debian: apt-get install python3-torch).

The generator is the published one, copied from the project's ../shared/bench/hifigan_reference.py (which builds
the full-size V1/V2/V3 peers) so that a plain clone can regenerate these fixtures: conv_pre (Conv1d num_mels -> C,
K 7, padding 3); per upsampling stage i leaky_relu(0.1) -> ConvTranspose1d(C/2^i -> C/2^(i+1), K k_i, stride u_i,
padding (k_i - u_i)//2) -> the mean of one residual block per resblock kernel size; after the last stage
leaky_relu with PyTorch's default slope 0.01, conv_post (Conv1d -> 1, K 7, padding 3), tanh. Residual block "1":
for each dilation d, x = x + convs2[d](lrelu(convs1[d](lrelu(x)))); block "2": x = x + convs[d](lrelu(x)); every
Conv1d pads (K*d - d)//2. Weights are random (seeded), every convolution weight-normalised with its magnitude g
scaled away from ||v|| so that the fold matters, and conv_post scaled so that tanh is exercised (pre-tanh root
mean square near 0.8).

One folder per fixture, each holding config.json (the official field names), generator.safetensors and
generator.npz (the same float32 state dict; the .npz stored, as np.savez writes it), mel.npy (float32,
(N, num_mels, T)) and audio.npy (float64, (N, 1, L)): the generator run by PyTorch in float64 on the stored
float32 weights and mel (the weight norm folded in float64).

- v1_weight_norm: V1-shaped (resblock "1", rates [4, 4], kernels [8, 8], resblock kernels [3, 7, 11], dilations
  [1, 3, 5]), 16 initial channels, 80 mels, 12 frames, batch 1; keys weight_g / weight_v
  (torch.nn.utils.weight_norm).
- v3_parametrizations: V3-shaped (resblock "2", rates [8, 2], kernels [16, 4], resblock kernels [3, 5, 7],
  dilations [1, 2], [2, 6], [3, 12]), 16 initial channels, 80 mels, 10 frames, batch 1; keys
  parametrizations.weight.original0 / original1 (torch.nn.utils.parametrizations.weight_norm). PyTorch 1.13
  lacks that API (it arrived in 2.1), so the weight_g / weight_v tensors are written under those names, which is
  what a state dict saved by the newer API holds.
- custom_plain: rates [5, 3] with kernels [9, 10] (the second stage's K - u = 7 is odd: padding 3, and each
  stage's output is 3 L + 1 rather than 3 L), resblock "2" with kernels [3, 5] and dilations [1, 2], [2, 6],
  12 initial channels, 20 mels, 9 frames, batch 2; plain `weight` keys: the weight norm removed
  (torch.nn.utils.remove_weight_norm, folded in float32) before the state dict is saved, and the reference
  computed from those folded float32 weights.
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
from torch.nn.utils import remove_weight_norm, weight_norm

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "statedict"))
from safetensors_writer import save_safetensors  # noqa: E402  (the repository's writer, shared by the fixtures)

FIXTURES = {
    "v1_weight_norm": dict(config={"resblock": "1", "upsample_rates": [4, 4], "upsample_kernel_sizes": [8, 8],
                                   "upsample_initial_channel": 16, "resblock_kernel_sizes": [3, 7, 11],
                                   "resblock_dilation_sizes": [[1, 3, 5], [1, 3, 5], [1, 3, 5]], "num_mels": 80,
                                   "sampling_rate": 22050},
                           keys="weight_norm", frames=12, batch=1, seed=1),
    "v3_parametrizations": dict(config={"resblock": "2", "upsample_rates": [8, 2], "upsample_kernel_sizes": [16, 4],
                                        "upsample_initial_channel": 16, "resblock_kernel_sizes": [3, 5, 7],
                                        "resblock_dilation_sizes": [[1, 2], [2, 6], [3, 12]], "num_mels": 80,
                                        "sampling_rate": 22050},
                                keys="parametrizations", frames=10, batch=1, seed=2),
    "custom_plain": dict(config={"resblock": "2", "upsample_rates": [5, 3], "upsample_kernel_sizes": [9, 10],
                                 "upsample_initial_channel": 12, "resblock_kernel_sizes": [3, 5],
                                 "resblock_dilation_sizes": [[1, 2], [2, 6]], "num_mels": 20,
                                 "sampling_rate": 16000},
                         keys="plain", frames=9, batch=2, seed=3),
}


def pad(k, d=1):
    return (k * d - d) // 2


class ResBlock(torch.nn.Module):
    def __init__(self, kind, ch, k, dilations):
        super().__init__()
        self.kind = kind
        conv = lambda d: weight_norm(torch.nn.Conv1d(ch, ch, k, 1, dilation=d, padding=pad(k, d)))
        if kind == "1":
            self.convs1 = torch.nn.ModuleList([conv(d) for d in dilations])
            self.convs2 = torch.nn.ModuleList([conv(1) for _ in dilations])
        else:
            self.convs = torch.nn.ModuleList([conv(d) for d in dilations])

    def forward(self, x):
        if self.kind == "1":
            for c1, c2 in zip(self.convs1, self.convs2):
                x = x + c2(F.leaky_relu(c1(F.leaky_relu(x, 0.1)), 0.1))
        else:
            for c in self.convs:
                x = x + c(F.leaky_relu(x, 0.1))
        return x


class Generator(torch.nn.Module):
    def __init__(self, h):
        super().__init__()
        c0 = h["upsample_initial_channel"]
        self.num_kernels = len(h["resblock_kernel_sizes"])
        self.conv_pre = weight_norm(torch.nn.Conv1d(h.get("num_mels", 80), c0, 7, 1, padding=3))
        self.ups = torch.nn.ModuleList()
        for i, (u, k) in enumerate(zip(h["upsample_rates"], h["upsample_kernel_sizes"])):
            self.ups.append(weight_norm(torch.nn.ConvTranspose1d(c0 // 2 ** i, c0 // 2 ** (i + 1), k, u,
                                                                 padding=(k - u) // 2)))
        self.resblocks = torch.nn.ModuleList()
        for i in range(len(self.ups)):
            ch = c0 // 2 ** (i + 1)
            for k, d in zip(h["resblock_kernel_sizes"], h["resblock_dilation_sizes"]):
                self.resblocks.append(ResBlock(h["resblock"], ch, k, d))
        self.conv_post = weight_norm(torch.nn.Conv1d(ch, 1, 7, 1, padding=3))

    def body(self, x):
        x = self.conv_pre(x)
        for i, up in enumerate(self.ups):
            x = up(F.leaky_relu(x, 0.1))
            xs = None
            for j in range(self.num_kernels):
                r = self.resblocks[i * self.num_kernels + j](x)
                xs = r if xs is None else xs + r
            x = xs / self.num_kernels
        return x

    def forward(self, x):
        return torch.tanh(self.conv_post(F.leaky_relu(self.body(x))))  # default slope 0.01


def make(h, seed):
    torch.manual_seed(seed)
    g = Generator(h)
    with torch.no_grad():
        for name, p in g.named_parameters():
            if name.endswith("weight_g"):
                p.mul_(torch.rand_like(p) + 0.5)
            elif name.endswith("bias"):
                p.copy_(torch.randn_like(p) * 0.05)
        z = g.conv_post(F.leaky_relu(g.body(torch.randn(1, h.get("num_mels", 80), 16)))) \
            - g.conv_post.bias.view(1, -1, 1)
        g.conv_post.weight_g.mul_(0.8 / float(z.pow(2).mean().sqrt()))
    return g.eval()


def plain(g):
    for module in g.modules():
        if hasattr(module, "weight_g"):
            remove_weight_norm(module)
    return g


def export(name, spec):
    h = spec["config"]
    g = make(h, spec["seed"])
    if spec["keys"] == "plain":
        plain(g)
    state = {k: v.detach().clone() for k, v in g.state_dict().items()}
    if spec["keys"] == "parametrizations":
        state = {k.replace("weight_g", "parametrizations.weight.original0")
                 .replace("weight_v", "parametrizations.weight.original1"): v for k, v in state.items()}
    mel = torch.randn(spec["batch"], h["num_mels"], spec["frames"])
    with torch.no_grad():
        audio = g.double()(mel.double())
    os.makedirs(name, exist_ok=True)
    with open(os.path.join(name, "config.json"), "w") as f:
        json.dump(h, f, indent=2)
        f.write("\n")
    save_safetensors(os.path.join(name, "generator.safetensors"), state)
    np.savez(os.path.join(name, "generator.npz"), **{k: v.numpy() for k, v in state.items()})
    np.save(os.path.join(name, "mel.npy"), mel.numpy())
    np.save(os.path.join(name, "audio.npy"), audio.numpy())
    print(json.dumps({"fixture": name, "keys": spec["keys"], "params": sum(v.numel() for v in state.values()),
                      "mel": list(mel.shape), "audio": list(audio.shape),
                      "max_abs_audio": round(float(audio.abs().max()), 4)}))


def main():
    os.chdir(os.path.dirname(os.path.abspath(__file__)))
    torch.set_num_threads(1)
    for name, spec in FIXTURES.items():
        export(name, spec)
    print("torch", torch.__version__)


if __name__ == "__main__":
    main()
