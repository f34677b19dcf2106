"""Writes a synthetic corpus for trying the job and measuring it (docs/cluster.md): run
`python3 spark/example/make-corpus.py OUT [--utterances N] [--min-frames A] [--max-frames B]`.

OUT/config.json is HiFi-GAN V3's upsampling (rates [8, 8, 4], kernel sizes [16, 16, 8], 256 initial channels,
22050 Hz: hop 256), OUT/generator.npz a seeded state dict for it with weight-normalised ups.{i} and conv_post as
torch.nn.utils.weight_norm saves them (np.savez), and OUT/mels/uttNNNN.npy the inputs, (256, T) float32 with T
spread over [min, max]. The values are random: the audio is noise, the arithmetic is a real generator's.
Needs numpy only.
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
rates, kernels, initial = [8, 8, 4], [16, 16, 8], 256
os.makedirs(os.path.join(args.out, "mels"), exist_ok=True)
with open(os.path.join(args.out, "config.json"), "w") as f:
    json.dump({"resblock": "2", "upsample_rates": rates, "upsample_kernel_sizes": kernels,
               "upsample_initial_channel": initial, "sampling_rate": 22050}, f, indent=1)

state, channels = {}, initial
for i, (u, k) in enumerate(zip(rates, kernels)):
    v = rng.normal(0, 0.01, (channels, channels // 2, k)).astype(np.float32)
    # HiFi-GAN's init_weights draws N(0, 0.01); weight_norm then stores g = ||v|| per input channel (dim 0)
    state[f"ups.{i}.weight_g"] = np.sqrt((v.astype(np.float64) ** 2).sum(axis=(1, 2), keepdims=True)).astype(np.float32)
    state[f"ups.{i}.weight_v"] = v
    state[f"ups.{i}.bias"] = rng.normal(0, 0.01, channels // 2).astype(np.float32)
    channels //= 2
v = rng.normal(0, 0.01, (1, channels, 7)).astype(np.float32)
state["conv_post.weight_g"] = np.sqrt((v.astype(np.float64) ** 2).sum(axis=(1, 2), keepdims=True)).astype(np.float32)
state["conv_post.weight_v"] = v
state["conv_post.bias"] = np.zeros(1, np.float32)
np.savez(os.path.join(args.out, "generator.npz"), **state)

for n in range(args.utterances):
    frames = args.min_frames + (n * 37) % (args.max_frames - args.min_frames + 1)
    mel = rng.normal(0, 1, (initial, frames)).astype(np.float32)
    np.save(os.path.join(args.out, "mels", f"utt{n:04d}.npy"), mel)
