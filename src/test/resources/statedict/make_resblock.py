"""Writes the Conv1d state-dict fixture of Conv1dModuleTest: run `/usr/bin/python3 make_resblock.py` here.

One HiFi-GAN residual-block branch in PyTorch: two weight-normalised Conv1d layers as the generator names them,
resblocks.0.convs1.0 (8 -> 8, K 3, dilation 3, padding 3) and resblocks.0.convs2.0 (8 -> 8, K 3, dilation 1,
padding 1), computing x + convs2(lrelu(convs1(lrelu(x), 0.1)), 0.1). The weight-norm magnitudes are scaled away
from ||v|| so that folding them over the output channels (dim 0, which is Cout for a Conv1d and Cin for a
ConvTranspose1d) matters. resblock.safetensors holds the state dict (weight_g / weight_v keys); resblock_x.npy a
float32 input (2, 8, 40); resblock_h.npy the first convolution's output (before any activation) and resblock_y.npy
the branch's output, both computed by PyTorch in float64 with the weight norm folded in float64.
Needs numpy and torch (Debian: apt-get install python3-torch).
"""
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from safetensors_writer import save_safetensors

torch.manual_seed(20261205)
convs1 = nn.utils.weight_norm(nn.Conv1d(8, 8, 3, dilation=3, padding=3))
convs2 = nn.utils.weight_norm(nn.Conv1d(8, 8, 3, dilation=1, padding=1))
with torch.no_grad():
    for conv in (convs1, convs2):
        conv.weight_g.mul_(torch.empty_like(conv.weight_g).uniform_(0.5, 1.5))
state = {f"resblocks.0.convs1.0.{k}": v.detach().clone() for k, v in convs1.state_dict().items()}
state.update({f"resblocks.0.convs2.0.{k}": v.detach().clone() for k, v in convs2.state_dict().items()})
save_safetensors("resblock.safetensors", state)

x = torch.empty(2, 8, 40).uniform_(-1, 1)
with torch.no_grad():
    convs1.double()
    convs2.double()
    wide = x.double()
    h = convs1(F.leaky_relu(wide, 0.1))
    y = wide + convs2(F.leaky_relu(h, 0.1))
np.save("resblock_x.npy", x.numpy())
np.save("resblock_h.npy", h.numpy())
np.save("resblock_y.npy", y.numpy())
print("torch", torch.__version__, sorted(state))
