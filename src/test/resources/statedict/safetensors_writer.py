"""Writes a safetensors file per the format (8-byte little-endian header length, JSON header padded with spaces to a
multiple of 8, raw little-endian data), as the safetensors package is not installed here. Shared by the fixture
scripts of this folder."""
import json
import struct

import torch


def save_safetensors(path, tensors):
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    names = {torch.float32: "F32", torch.float64: "F64", torch.float16: "F16", torch.bfloat16: "BF16"}
    for key, t in tensors.items():
        t = t.detach().contiguous()
        raw = t.view(torch.int16).numpy().astype("<i2").tobytes() if t.dtype in (torch.float16, torch.bfloat16) \
            else t.numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()
        header[key] = {"dtype": names[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in blobs:
            f.write(raw)
