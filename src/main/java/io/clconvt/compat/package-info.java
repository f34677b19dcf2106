/**
 * Framework front ends: PyTorch ({@link io.clconvt.compat.Torch}), PaddlePaddle
 * ({@link io.clconvt.compat.Paddle}) and TensorFlow ({@link io.clconvt.compat.TensorFlow}) arguments,
 * layouts and errors, translated into one core call ({@link io.clconvt.compat.CoreCall}).
 *
 * <p>Each front end checks its arguments by the framework's rules and in the framework's words, then
 * expresses the framework's output window as core parameters: explicit padding (Paddle), the core's
 * SAME / VALID with an output size (TensorFlow), or the core's own PyTorch-style parameters. No front end
 * computes a result itself, so all three share the core's definition and both backends.
 * {@link io.clconvt.compat.Weights} converts TensorFlow's (K, Cout, Cin) filters and finds the output
 * padding that reaches a target length.
 */
package io.clconvt.compat;
