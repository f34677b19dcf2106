/**
 * clconvt: 1-D transposed convolution, convolution and their gradients on OpenCL devices through JOCL, with a
 * CPU reference.
 *
 * <p>The API is {@code io.clconvt} (backends, tensors, layers, layer graphs), {@code io.clconvt.io} (.npy files
 * and state dicts), {@code io.clconvt.compat} (PyTorch, PaddlePaddle and TensorFlow conventions) and
 * {@code io.clconvt.models} (whole decoders: HiFi-GAN). The engine in
 * {@code io.clconvt.internal.*} is not exported: on the module path nothing outside the library can reach it.
 * On the class path, where module boundaries do not apply, the command line and benchmark in cli/ use one
 * entry point of it for tuning and timing ({@code io.clconvt.internal.backend.EngineTools}).
 *
 * <p>No JOCL or SLF4J type appears in the exported API, so neither is required transitively. JOCL 2.0.6 has no
 * {@code Automatic-Module-Name}; its automatic module is named after the jar, {@code jocl}.
 */
module io.clconvt {
    requires jocl;
    requires org.slf4j;

    exports io.clconvt;
    exports io.clconvt.io;
    exports io.clconvt.compat;
    exports io.clconvt.models;
}
