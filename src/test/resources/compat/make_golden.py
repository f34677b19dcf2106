"""Regenerates the framework golden cases of io.clconvt.compat: run `/usr/bin/python3 make_golden.py` here.

Needs numpy and torch (Debian: apt-get install python3-torch). PaddlePaddle and TensorFlow are not needed,
and are not installed where this was written: their cases apply each framework's published rule (quoted
below) to get the explicit left padding and output length, then compute

    out[n, co, o] = b[co] + sum x[n, ci, i] * w[ci, co - g * Cout/groups, k]  over  i*s + k*d - pad_left = o

twice in float64: by direct loops, and by PyTorch's full transposed convolution (padding 0) sliced to the
window [pad_left, pad_left + Lout), padded with zeros where the window runs past the end. The two must agree.
PyTorch cases are computed by PyTorch itself (F.conv_transpose1d, nn.ConvTranspose1d with output_size)
in float64 and checked against the loops too.

Arrays are stored in the framework's own layout (Paddle NLC, TensorFlow NWC/NCW and (K, Cout, Cin) filters);
x, w and b in the case's dtype, y always float64 (the exact reference for the float32 inputs).
manifest.json lists every case with the framework's arguments as the framework spells them.
"""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

rng = np.random.default_rng(20240604)
cases = []


def definition(x, w, b, stride, pad_left, lout, dilation, groups):
    """The transposed convolution by its definition, NCL, float64 loops."""
    n_batch, cin, lin = x.shape
    cog = w.shape[1]
    cout = cog * groups
    cig = cin // groups
    out = np.zeros((n_batch, cout, lout))
    if b is not None:
        out += b.astype(np.float64)[None, :, None]
    for n in range(n_batch):
        for co in range(cout):
            g = co // cog
            for ci in range(g * cig, (g + 1) * cig):
                for i in range(lin):
                    for k in range(w.shape[2]):
                        o = i * stride + k * dilation - pad_left
                        if 0 <= o < lout:
                            out[n, co, o] += float(x[n, ci, i]) * float(w[ci, co - g * cog, k])
    return out


def torch_window(x, w, b, stride, pad_left, lout, dilation, groups):
    """PyTorch's full transposed convolution, then the output window the framework's padding selects."""
    full = F.conv_transpose1d(torch.from_numpy(x.astype(np.float64)), torch.from_numpy(w.astype(np.float64)),
                              None, stride, 0, 0, groups, dilation).numpy()
    out = np.zeros((x.shape[0], full.shape[1], lout))
    window = full[:, :, pad_left:pad_left + lout]
    out[:, :, :window.shape[2]] = window
    if b is not None:
        out += b.astype(np.float64)[None, :, None]
    return out


def random(shape, dtype):
    return rng.uniform(-1, 1, size=shape).astype(dtype)


def save(name, role, array):
    if array is None:
        return None
    file = f"{name}_{role}.npy"
    np.save(file, np.ascontiguousarray(array))
    return file


def add(name, framework, dtype, x, w, b, y, args, rule):
    cases.append({"name": name, "framework": framework, "dtype": dtype, "rule": rule, "args": args,
                  "x": save(name, "x", x), "w": save(name, "w", w), "b": save(name, "b", b), "y": save(name, "y", y),
                  "y_shape": list(y.shape)})


def checked(x, w, b, stride, pad_left, lout, dilation, groups):
    expected = definition(x, w, b, stride, pad_left, lout, dilation, groups)
    cross = torch_window(x, w, b, stride, pad_left, lout, dilation, groups)
    assert np.allclose(expected, cross, rtol=1e-12, atol=1e-12), "loops and PyTorch disagree"
    return expected


# ---------------------------------------------------------------- PaddlePaddle
def paddle_geometry(lin, k, stride, padding, dilation, output_padding, output_size):
    """Paddle's UpdatePaddingAndDilation and ConvTransposeInferMeta: (pad_left, Lout, effective dilation)."""
    if isinstance(padding, str):
        if padding.upper() == "SAME":
            # Pads as the forward convolution of the input would, undilated; dilation is forced to 1.
            steps = -(-lin // stride)
            pad_sum = max((steps - 1) * stride + k - lin, 0)
            left, right, dilation = pad_sum // 2, pad_sum - pad_sum // 2, 1
        else:
            left, right = 0, 0
    elif isinstance(padding, list):
        left, right = (padding[0], padding[0]) if len(padding) == 1 else padding
    else:
        left, right = padding, padding
    inferred = (lin - 1) * stride - left - right + dilation * (k - 1) + 1
    if output_size is not None:
        assert inferred <= output_size < inferred + stride
        return left, output_size, dilation
    assert 0 <= output_padding < max(stride, dilation) and output_padding <= stride
    return left, inferred + output_padding, dilation


def paddle(name, dtype, n, cin, lin, cout_group, k, stride=1, padding=0, output_padding=0, groups=1, dilation=1,
           output_size=None, data_format="NCL", bias=False, x=None, w=None, rule=""):
    x = random((n, cin, lin), dtype) if x is None else x
    w = random((cin, cout_group, k), dtype) if w is None else w
    b = random((cout_group * groups,), dtype) if bias else None
    left, lout, eff_dilation = paddle_geometry(lin, k, stride, padding, dilation, output_padding, output_size)
    y = checked(x, w, b, stride, left, lout, eff_dilation, groups)
    if data_format == "NLC":
        x, y = x.transpose(0, 2, 1), y.transpose(0, 2, 1)
    args = {"stride": stride, "padding": padding, "output_padding": output_padding, "groups": groups,
            "dilation": dilation, "output_size": output_size, "data_format": data_format}
    add(name, "paddle", dtype, x, w, b, y, args, rule)


paddle("paddle_doc_example", "float32", 1, 2, 4, 1, 2,
       x=np.array([[[4, 0, 9, 7], [8, 0, 9, 2]]], dtype="float32"),
       w=np.array([[[7, 0]], [[4, 2]]], dtype="float32"),
       rule="Paddle's documented example: [[[60, 16, 99, 75, 4]]]")
paddle("paddle_int_padding_bias", "float32", 2, 3, 5, 2, 4, stride=2, padding=1, bias=True,
       rule="int padding p removes p positions at each end")
paddle("paddle_one_value_list", "float64", 1, 2, 6, 3, 5, stride=3, padding=[2],
       rule="[p] pads p on both sides")
paddle("paddle_asymmetric_nlc_grouped_dilated", "float64", 2, 4, 5, 2, 3, stride=2, padding=[2, 0], groups=2,
       dilation=2, data_format="NLC", bias=True, rule="[left, right] pads each side as given")
paddle("paddle_same_divisible", "float32", 1, 2, 6, 2, 5, stride=3, padding="SAME",
       rule="SAME, Lin divisible by stride: padSum 2, Lout = Lin*stride = 18")
paddle("paddle_same_not_divisible", "float32", 2, 2, 5, 3, 3, stride=2, padding="same", data_format="NLC",
       rule="SAME, Lin 5 not divisible by stride 2: padSum 2, Lout 9, not Lin*stride = 10")
paddle("paddle_same_not_divisible_asymmetric", "float64", 1, 3, 7, 2, 4, stride=3, padding="Same",
       rule="SAME, Lin 7, stride 3, K 4: padSum 3 split (1, 2), Lout 19, not 21")
paddle("paddle_same_no_padding_needed", "float32", 1, 2, 4, 2, 1, stride=2, padding="SAME",
       rule="SAME with K 1 < stride: padSum 0, Lout = (Lin-1)*stride + K = 7")
paddle("paddle_same_dilation_forced_to_one", "float64", 1, 2, 5, 2, 3, stride=2, padding="SAME", dilation=3,
       rule="SAME forces dilation to 1: the same output as dilation 1, Lout 9")
paddle("paddle_same_output_padding", "float32", 1, 2, 4, 2, 4, stride=2, padding="SAME", output_padding=1,
       rule="SAME then output_padding 1 appended: Lout 9")
paddle("paddle_same_output_size", "float64", 1, 2, 5, 2, 4, stride=3, padding="SAME", output_size=16,
       rule="SAME with output_size: inferred 14, output_size 16 in [14, 17)")
paddle("paddle_valid_output_padding_grouped_dilated", "float32", 2, 2, 4, 3, 3, stride=3, padding="VALID",
       output_padding=2, groups=2, dilation=2, bias=True, rule="VALID: no padding; output_padding 2")
paddle("paddle_valid_output_size", "float64", 1, 3, 3, 2, 2, stride=4, padding="valid", output_size=13,
       rule="VALID with output_size at the top of [10, 14)")
paddle("paddle_explicit_output_size", "float32", 1, 2, 4, 2, 4, stride=3, padding=1, output_size=13,
       rule="padding 1 with output_size: inferred 11, output_size 13 in [11, 14)")
paddle("paddle_output_padding_equal_to_stride", "float64", 1, 2, 4, 2, 3, stride=2, padding=1, output_padding=2,
       dilation=3, rule="output_padding 2 = stride is accepted because dilation 3 > stride")


# ---------------------------------------------------------------- TensorFlow
def tf_pad_left(lin, k, stride, padding, dilation, lout):
    """TensorFlow's check and padding: the forward conv of Lout positions must give Lin (GetWindowedOutputSize)."""
    ek = dilation * (k - 1) + 1
    if padding == "SAME":
        assert -(-lout // stride) == lin
        return max(0, (lin - 1) * stride + ek - lout) // 2
    assert (lout - ek + stride) // stride == lin
    return 0


def tensorflow(name, dtype, n, cin, lin, cout, k, lout, strides=1, padding="SAME", data_format="NWC", dilations=1,
               rule=""):
    x = random((n, cin, lin), dtype)
    w = random((cin, cout, k), dtype)
    y = checked(x, w, None, strides, tf_pad_left(lin, k, strides, padding, dilations, lout), lout, dilations, 1)
    filters = w.transpose(2, 1, 0)  # TensorFlow's [filter_width, output_channels, in_channels]
    if data_format == "NWC":
        x, y = x.transpose(0, 2, 1), y.transpose(0, 2, 1)
    args = {"output_shape": list(y.shape), "strides": strides, "padding": padding, "data_format": data_format,
            "dilations": dilations}
    add(name, "tensorflow", dtype, x, filters, None, y, args, rule)


tensorflow("tf_same_full_length", "float32", 2, 3, 4, 2, 3, 8, strides=2,
           rule="SAME, Lout = Lin*stride: total padding 1, left 0")
tensorflow("tf_same_shortest", "float64", 1, 2, 4, 3, 5, 10, strides=3,
           rule="SAME, Lout = (Lin-1)*stride + 1: total padding 4, left 2")
tensorflow("tf_same_odd_total_padding", "float32", 1, 3, 5, 2, 4, 9, strides=2, data_format="NCW",
           rule="SAME, total padding 3: left 1 (rounded down), right 2")
tensorflow("tf_same_longer_than_full", "float64", 2, 2, 3, 2, 2, 12, strides=4,
           rule="SAME, K < stride: the full convolution has 10 positions, the last 2 of 12 are zero")
tensorflow("tf_same_dilated", "float32", 1, 2, 4, 3, 3, 7, strides=2, dilations=2,
           rule="SAME, dilation 2: ek 5, total padding 4, left 2")
tensorflow("tf_same_stride_one", "float64", 2, 3, 6, 2, 3, 6,
           rule="SAME, stride 1: total padding 2, left 1")
tensorflow("tf_valid_shortest_ncw", "float64", 2, 3, 4, 2, 3, 9, strides=2, padding="VALID", data_format="NCW",
           rule="VALID, Lout = (Lin-1)*stride + K")
tensorflow("tf_valid_longest", "float32", 1, 2, 4, 3, 3, 14, strides=3, padding="VALID",
           rule="VALID, Lout = (Lin-1)*stride + K + stride - 1: the last 2 positions are zero")
tensorflow("tf_valid_dilated_ncw", "float64", 1, 2, 3, 2, 3, 12, strides=2, padding="VALID", data_format="NCW",
           dilations=3, rule="VALID, dilation 3: ek 7, Lout in [11, 12]")


# ---------------------------------------------------------------- PyTorch
def torch_case(name, dtype, n, cin, lin, cout_group, k, stride=1, padding=0, output_padding=0, groups=1, dilation=1,
               bias=False, unbatched=False, output_size=None, rule=""):
    x = random((n, cin, lin), dtype)
    w = random((cin, cout_group, k), dtype)
    b = random((cout_group * groups,), dtype) if bias else None
    x64 = torch.from_numpy(x.astype(np.float64))
    x_in = x64[0] if unbatched else x64
    if output_size is None:
        y = F.conv_transpose1d(x_in, torch.from_numpy(w.astype(np.float64)),
                               None if b is None else torch.from_numpy(b.astype(np.float64)),
                               stride, padding, output_padding, groups, dilation).numpy()
        applied_padding = output_padding
    else:
        layer = torch.nn.ConvTranspose1d(cin, cout_group * groups, k, stride, padding, output_padding, groups,
                                         bias is not None and bias, dilation).double()
        with torch.no_grad():
            layer.weight.copy_(torch.from_numpy(w.astype(np.float64)))
            if b is not None:
                layer.bias.copy_(torch.from_numpy(b.astype(np.float64)))
            y = layer(x_in, output_size=output_size).numpy()
        applied_padding = y.shape[-1] - ((lin - 1) * stride - 2 * padding + dilation * (k - 1) + 1)
    lout = y.shape[-1]
    expected = checked(x, w, b, stride, padding, lout, dilation, groups)
    assert np.allclose(expected[0] if unbatched else expected, y, rtol=1e-12, atol=1e-12), name
    assert 0 <= applied_padding < max(stride, dilation)
    args = {"stride": stride, "padding": padding, "output_padding": output_padding, "groups": groups,
            "dilation": dilation, "output_size": output_size}
    add(name, "torch", dtype, x[0] if unbatched else x, w, b, y, args, rule)


torch_case("torch_basic", "float32", 2, 3, 5, 2, 3, stride=2, padding=1, output_padding=1, bias=True,
           rule="F.conv_transpose1d: Lout = (Lin-1)*s - 2p + d(K-1) + 1 + output_padding = 10")
torch_case("torch_grouped_dilated", "float64", 2, 4, 5, 3, 3, stride=3, padding=2, groups=2, dilation=2,
           rule="groups 2, dilation 2")
torch_case("torch_depthwise", "float32", 1, 3, 6, 1, 4, stride=2, padding=1, groups=3, bias=True,
           rule="depthwise: groups = Cin")
torch_case("torch_unbatched", "float32", 1, 3, 5, 2, 3, stride=2, bias=True, unbatched=True,
           rule="unbatched (C, L) input gives (Cout, Lout)")
torch_case("torch_output_padding_below_dilation", "float64", 1, 2, 4, 2, 3, stride=2, padding=1, output_padding=2,
           dilation=3, rule="output_padding 2 >= stride is allowed because it is below dilation 3")
torch_case("torch_module_output_size", "float32", 1, 3, 6, 3, 3, stride=2, padding=1, bias=True,
           output_size=[1, 3, 12], rule="nn.ConvTranspose1d(..., 3, stride=2, padding=1)(h, output_size=x.size())")
torch_case("torch_module_output_size_unbatched", "float64", 1, 2, 4, 2, 4, stride=3, padding=1,
           unbatched=True, output_size=[2, 13], rule="unbatched input, output_size (C, L): 13 in [11, 13]")
torch_case("torch_module_output_size_replaces_output_padding", "float64", 1, 2, 5, 2, 3, stride=2, padding=1,
           output_padding=1, output_size=[9], rule="output_size 9 = L' replaces the layer's output_padding 1")

with open("manifest.json", "w") as f:
    json.dump({"generator": os.path.basename(__file__), "cases": cases}, f, indent=1)
    f.write("\n")
print(len(cases), "cases")
