"""Writes a synthetic corpus for trying the job and measuring it (docs/cluster.md): run
`python3 spark/example/make-corpus.py OUT [--utterances N] [--min-frames A] [--max-frames B]`.

OUT/config.json is HiFi-GAN V3's (resblock "2", upsample rates [8, 8, 4], kernel sizes [16, 16, 8], 256 initial
channels, residual kernels [3, 5, 7] with dilations [1, 2], [2, 6], [3, 12], 80 mel bands, 22050 Hz: hop 256),
OUT/generator.npz a seeded state dict with every key the generator has, every convolution weight-normalised as
torch.nn.utils.weight_norm saves it (np.savez), and OUT/mels/uttNNNN.npy the inputs, (80, T) float32 with T spread
over [min, max]. The values are random: the audio is noise, the arithmetic is a real generator's. Needs numpy only.
"""
import argparse
import json
import os

import numpy as np

parser = argparse.ArgumentParser()
parser.add_argument("out")
parser.add_argument("--utterances", type=int, default=40)
parser.add_argument("--min-frames", type=int, default=20)
parser.add_argument("--max-frames", type=int, default=200)
args = parser.parse_args()

rng = np.random.default_rng(20261205)
config = {"resblock": "2", "upsample_rates": [8, 8, 4], "upsample_kernel_sizes": [16, 16, 8],
          "upsample_initial_channel": 256, "resblock_kernel_sizes": [3, 5, 7],
          "resblock_dilation_sizes": [[1, 2], [2, 6], [3, 12]], "num_mels": 80, "sampling_rate": 22050}
os.makedirs(os.path.join(args.out, "mels"), exist_ok=True)
with open(os.path.join(args.out, "config.json"), "w") as f:
    json.dump(config, f, indent=1)

state = {}


def weight_normalised(prefix, shape, std, outputs):
    """A layer of `outputs` output channels; weight_norm (dim 0) stores g = ||v|| over all but dim 0."""
    v = rng.normal(0, std, shape).astype(np.float32)
    state[prefix + ".weight_g"] = np.sqrt((v.astype(np.float64) ** 2).sum(axis=(1, 2), keepdims=True)).astype(np.float32)
    state[prefix + ".weight_v"] = v
    state[prefix + ".bias"] = rng.normal(0, 0.01, outputs).astype(np.float32)


channels = config["upsample_initial_channel"]
# HiFi-GAN's init_weights draws the upsampling and residual weights from N(0, 0.01); conv_pre and conv_post keep
# PyTorch's default initialisation, about 1 / sqrt(fan-in), as HiFi-GAN leaves them
weight_normalised("conv_pre", (channels, config["num_mels"], 7), 1 / np.sqrt(config["num_mels"] * 7), channels)
kinds = len(config["resblock_kernel_sizes"])
for i, (u, k) in enumerate(zip(config["upsample_rates"], config["upsample_kernel_sizes"])):
    weight_normalised(f"ups.{i}", (channels, channels // 2, k), 0.01, channels // 2)
    channels //= 2
    for j, (kernel, dilations) in enumerate(zip(config["resblock_kernel_sizes"], config["resblock_dilation_sizes"])):
        for d in range(len(dilations)):
            weight_normalised(f"resblocks.{i * kinds + j}.convs.{d}", (channels, channels, kernel), 0.01, channels)
weight_normalised("conv_post", (1, channels, 7), 1 / np.sqrt(channels * 7), 1)
np.savez(os.path.join(args.out, "generator.npz"), **state)

for n in range(args.utterances):
    frames = args.min_frames + (n * 37) % (args.max_frames - args.min_frames + 1)
    mel = rng.normal(0, 1, (config["num_mels"], frames)).astype(np.float32)
    np.save(os.path.join(args.out, "mels", f"utt{n:04d}.npy"), mel)
