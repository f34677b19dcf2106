package io.clconvt.spark;

import io.clconvt.Backend;
import io.clconvt.Tensor;
import io.clconvt.io.StateDict;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.BiFunction;

/**
 * What the job needs of a generator: mel frames in, audio out. {@code generate} takes (N, C, T) FLOAT32 and returns
 * (N, 1, T * hopLength()); it is deterministic (the same input gives the same bits on the same device), which is
 * what makes a retried task write the same audio.
 */
public interface Vocoder {
    int hopLength();

    Tensor generate(Backend backend, Tensor mel);

    /**
     * The generator of a HiFi-GAN {@code config.json} and state dict. Until {@code io.clconvt.models.HifiGan} is in
     * the library this is its upsampling stack ({@link UpsamplingStack}); then the first line becomes
     * {@code HifiGan model = HifiGan.load(configJson, weights);}.
     *
     * @throws IllegalArgumentException if the config or the weights do not describe a generator
     */
    static Vocoder load(Path configJson, StateDict weights) throws IOException {
        UpsamplingStack model = UpsamplingStack.load(configJson, weights);
        return of(model.hopLength(), model::generate);
    }

    static Vocoder of(int hopLength, BiFunction<Backend, Tensor, Tensor> generate) {
        return new Vocoder() {
            @Override
            public int hopLength() {
                return hopLength;
            }

            @Override
            public Tensor generate(Backend backend, Tensor mel) {
                return generate.apply(backend, mel);
            }
        };
    }
}
