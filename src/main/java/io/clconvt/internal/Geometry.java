package io.clconvt.internal;

/** A transposed convolution layer resolved at one input length: its left padding and output length. */
public record Geometry(int padLeft, int outputLength) {
}
