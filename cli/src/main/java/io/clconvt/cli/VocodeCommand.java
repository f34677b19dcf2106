package io.clconvt.cli;

import io.clconvt.Backend;
import io.clconvt.Backends;
import io.clconvt.ChunkStream;
import io.clconvt.Tensor;
import io.clconvt.io.Npy;
import io.clconvt.io.StateDict;
import io.clconvt.models.HifiGan;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ExitCode;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Turns a mel spectrogram into audio with a HiFi-GAN generator. */
@Command(name = "vocode", mixinStandardHelpOptions = true, version = "clconvt " + Main.VERSION, sortOptions = false,
        description = {"Turns a mel spectrogram (.npy) into audio with a HiFi-GAN generator: the official "
                + "config.json and the generator's state dict (.safetensors or .npz; weight-normalised or plain).",
            "The mel is (N, num_mels, T), or unbatched (num_mels, T), float32, float64 or float16; the audio is "
                    + "(N, 1, L), or (1, L), in the mel's dtype, with L = T x hop when every upsampling k - u is even.",
            "--stream-frames N feeds the mel in pushes of N frames through the generator's stream, as a live "
                    + "decoder would; the audio is the same.",
            "--wav writes 16-bit PCM, mono, at the config's sampling_rate, the audio clipped to [-1, 1]; it takes "
                    + "one sample (N = 1)."})
final class VocodeCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(names = "--config", required = true, paramLabel = "config.json",
            description = "The generator's configuration, with the official field names.")
    private Path config;

    @Option(names = "--weights", required = true, paramLabel = "FILE.safetensors|FILE.npz",
            description = "The generator's state dict (conv_pre.*, ups.{i}.*, resblocks.{j}.*, conv_post.*).")
    private Path weights;

    @Option(names = "--input", required = true, paramLabel = "mel.npy", description = "The mel spectrogram.")
    private Path input;

    @Option(names = "--output", paramLabel = "audio.npy", description = "Where to write the audio as .npy.")
    private Path output;

    @Option(names = "--wav", paramLabel = "audio.wav", description = "Where to write the audio as 16-bit PCM WAV.")
    private Path wav;

    @Option(names = "--stream-frames", paramLabel = "N",
            description = "Push the mel N frames at a time through the generator's stream.")
    private Integer streamFrames;

    @Option(names = "--backend", defaultValue = "auto", paramLabel = "auto|opencl|cpu",
            description = "auto: OpenCL when a device is usable, else the CPU. Default: ${DEFAULT-VALUE}.")
    private RunCommand.BackendChoice backend;

    @Override
    public Integer call() throws IOException {
        if (output == null && wav == null) {
            throw new IllegalArgumentException("give --output audio.npy, --wav audio.wav, or both");
        }
        if (streamFrames != null && streamFrames < 1) {
            throw new IllegalArgumentException("--stream-frames must be at least 1, got " + streamFrames);
        }
        requireWritableDirectoryFor("--output", output);
        requireWritableDirectoryFor("--wav", wav);
        Tensor mel = readMel();
        if (wav != null && mel.rank() == 3 && mel.dim(0) != 1) {
            throw new IllegalArgumentException("--wav writes one channel, but the mel " + Messages.shape(mel.shape())
                    + " holds " + mel.dim(0) + " samples: write them with --output, or give one sample");
        }
        HifiGan generator = load();
        int melChannels = mel.dim(mel.rank() - 2);
        if (melChannels != generator.numMels()) {
            throw new IllegalArgumentException("--input has " + melChannels + " mel channels (shape "
                    + Messages.shape(mel.shape()) + ") but the generator takes num_mels = " + generator.numMels());
        }
        Tensor audio;
        String computedBy;
        try (Backend computer = open()) {
            audio = streamFrames == null ? generator.generate(computer, mel) : streamed(generator, computer, mel);
            computedBy = computer.describe();
        }
        if (output != null) {
            try {
                Npy.write(output, audio);
            } catch (IOException e) {
                throw new IOException("cannot write --output " + output + ": " + Messages.reason(e), e);
            }
            spec.commandLine().getOut().println("wrote " + output + ": shape " + Messages.shape(audio.shape()) + ", "
                    + audio.dtype() + ", " + computedBy);
        }
        if (wav != null) {
            try {
                Wav.writeMono16(wav, audio.toDoubleArray(), generator.samplingRate());
            } catch (IOException e) {
                throw new IOException("cannot write --wav " + wav + ": " + Messages.reason(e), e);
            }
            spec.commandLine().getOut().println("wrote " + wav + ": " + audio.size() + " samples, 16-bit PCM mono, "
                    + generator.samplingRate() + " Hz, " + computedBy);
        }
        return ExitCode.OK;
    }

    private Backend open() {
        return switch (backend) {
            case AUTO -> Backends.auto();
            case OPENCL -> Backends.openCl();
            case CPU -> Backends.cpu();
        };
    }

    /**
     * The mel pushed {@code streamFrames} frames at a time, the audio of every push and of finish joined; an
     * unbatched mel streams as a batch of one, which the stream requires, and comes back unbatched.
     */
    private Tensor streamed(HifiGan generator, Backend computer, Tensor mel) {
        boolean unbatched = mel.rank() == 2;
        Tensor batched = unbatched ? reshape(mel, 1, mel.dim(0), mel.dim(1)) : mel;
        int frames = batched.dim(2);
        List<Tensor> parts = new ArrayList<>();
        try (ChunkStream stream = generator.stream(computer)) {
            for (int at = 0; at < frames; at += streamFrames) {
                parts.add(stream.push(frames(batched, at, Math.min(streamFrames, frames - at))));
            }
            parts.add(stream.finish());
        }
        Tensor audio = joined(parts);
        return unbatched ? reshape(audio, 1, audio.dim(2)) : audio;
    }

    private static Tensor reshape(Tensor t, int... shape) {
        return Tensor.of(t.toDoubleArray(), shape).to(t.dtype());
    }

    /** Frames [from, from + count) of an (N, C, T) mel, in its dtype (the values are exact in it). */
    private static Tensor frames(Tensor mel, int from, int count) {
        int rows = mel.dim(0) * mel.dim(1);
        int length = mel.dim(2);
        double[] all = mel.toDoubleArray();
        double[] part = new double[rows * count];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(all, r * length + from, part, r * count, count);
        }
        return Tensor.of(part, mel.dim(0), mel.dim(1), count).to(mel.dtype());
    }

    /** (N, 1, L_i) parts joined along the length. */
    private static Tensor joined(List<Tensor> parts) {
        int batch = parts.get(0).dim(0);
        int total = parts.stream().mapToInt(p -> p.dim(2)).sum();
        double[] joined = new double[batch * total];
        int at = 0;
        for (Tensor part : parts) {
            double[] values = part.toDoubleArray();
            int length = part.dim(2);
            for (int n = 0; n < batch; n++) {
                System.arraycopy(values, n * length, joined, n * total + at, length);
            }
            at += length;
        }
        return Tensor.of(joined, batch, 1, total).to(parts.get(0).dtype());
    }

    /** The generator, every config field and weight checked before a backend opens (which logs the device). */
    private HifiGan load() {
        StateDict dict;
        try {
            dict = StateDict.read(weights);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read --weights " + weights + ": " + Messages.reason(e), e);
        }
        try {
            return HifiGan.load(config, dict);
        } catch (UncheckedIOException e) {
            throw new IllegalArgumentException("cannot read --config " + config + ": " + Messages.reason(e.getCause()),
                    e);
        }
    }

    private Tensor readMel() {
        Tensor mel;
        try {
            mel = Npy.read(input);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read --input " + input + ": " + Messages.reason(e), e);
        }
        if (mel.rank() != 2 && mel.rank() != 3) {
            throw new IllegalArgumentException("--input must be a mel (N, num_mels, T) or (num_mels, T), got shape "
                    + Messages.shape(mel.shape()));
        }
        return mel;
    }

    /** Checked before any work, so a mistyped path fails at once and as invalid input. */
    private static void requireWritableDirectoryFor(String option, Path file) {
        if (file == null) {
            return;
        }
        if (Files.isDirectory(file)) {
            throw new IllegalArgumentException(option + " " + file + " is a directory");
        }
        Path directory = file.toAbsolutePath().getParent();
        if (!Files.isDirectory(directory)) {
            throw new IllegalArgumentException(option + " directory " + directory + " does not exist");
        }
        if (!Files.isWritable(directory)) {
            throw new IllegalArgumentException(option + " directory " + directory + " is not writable");
        }
    }
}
