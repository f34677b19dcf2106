package io.clconvt.internal;

/** A convolution layer resolved at one input length: the padding on each side and the output length. */
public record Conv1dGeometry(int padLeft, int padRight, int outputLength) {
}
