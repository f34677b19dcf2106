package io.clconvt.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clconvt.Backend;
import io.clconvt.Backends;
import io.clconvt.ChunkStream;
import io.clconvt.DType;
import io.clconvt.Tensor;
import io.clconvt.internal.backend.Diagnostics;
import io.clconvt.internal.backend.OpenClBackend;
import io.clconvt.internal.plan.KernelVariant;
import io.clconvt.io.Npy;
import io.clconvt.io.StateDict;
import io.clconvt.testing.OpenClSupport;
import io.clconvt.testing.TestResources;
import io.clconvt.testing.TestScope;
import io.clconvt.testing.TestTensors;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link HifiGan} against PyTorch: the generators of {@code src/test/resources/hifigan/} (made by
 * {@code make_fixtures.py} there: a V1-shaped one with weight_g / weight_v keys, a V3-shaped one with
 * parametrizations keys, a custom one with plain weights, an odd K - u, 20 mels and batch 2), each read from
 * {@code .safetensors} and {@code .npz}, run on the CPU and on OpenCL (auto's choice and the direct kernel) in
 * FLOAT32, FLOAT64 and 16-bit storage, against PyTorch's float64 audio; and the refusals of a bad checkpoint,
 * configuration, mel or backend.
 */
class HifiGanTest {
    /** FLOAT32 audio against PyTorch's float64: the bound. */
    static final double FLOAT32_BOUND = 3e-4;
    /** FLOAT64 audio against PyTorch's float64: the bound. */
    static final double FLOAT64_BOUND = 1e-9;
    /**
     * 16-bit storage rounds the mel, the folded weights and every layer's output to 2^-11 (FLOAT16) or 2^-8
     * (BFLOAT16) relative, some 20 to 35 times per sample in these generators, and the residual sums carry the
     * errors on. PyTorch emulating that (the weights and mel rounded, every convolution output, residual sum and
     * mean rounded to the storage type, the rest in float64) lands within 2.3e-3 (FLOAT16) and 2.0e-2 (BFLOAT16)
     * of the float64 audio on these fixtures; the bounds leave some 4 to 5 times that, since which intermediates
     * an implementation stores (and so rounds) is its own choice.
     */
    static final double FLOAT16_BOUND = 1e-2;
    static final double BFLOAT16_BOUND = 1e-1;

    private static final Backend CPU = Backends.cpu();
    private static final Map<KernelVariant, Backend> OPEN_CL = new LinkedHashMap<>();

    /** A backend the tests run on, opened on first use (OpenCL skips, or fails under CI, without a device). */
    record Named(String name, Supplier<Backend> open) {
        Backend get() {
            return open.get();
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static final Named ON_CPU = new Named("cpu", () -> CPU);
    static final Named ON_OPENCL = new Named("opencl", () -> openCl(KernelVariant.AUTO));
    static final Named ON_DIRECT = new Named("opencl-direct", () -> openCl(KernelVariant.DIRECT));

    static synchronized Backend openCl(KernelVariant variant) {
        return OPEN_CL.computeIfAbsent(variant, OpenClSupport::backend);
    }

    @AfterAll
    static synchronized void closeBackends() {
        CPU.close();
        OPEN_CL.values().forEach(Backend::close);
        OPEN_CL.clear();
    }

    /**
     * A generator's configuration as config.json states it: the tests' own copy, so that the look-ahead and the
     * lengths they expect come from the architecture and not from the code under test
     * ({@link #fixturesHoldTheConfigurationsTheTestsAssume()} checks it against the files).
     */
    record Architecture(String resblock, int[] rates, int[] kernels, int initialChannel, int[] resblockKernels,
            int[][] dilations, int numMels, int samplingRate) {
        int hop() {
            return Arrays.stream(rates).reduce(1, (a, b) -> a * b);
        }

        /** PyTorch's audio length for {@code frames} mel frames: each stage gives (L - 1) u - 2 floor((k - u) / 2) + k. */
        int audioLength(int frames) {
            int length = frames;
            for (int i = 0; i < rates.length; i++) {
                length = (length - 1) * rates[i] - 2 * ((kernels[i] - rates[i]) / 2) + kernels[i];
            }
            return length;
        }

        /**
         * The generator's look-ahead in audio samples: how many samples at the end of what has been pushed still
         * depend on input that has not arrived (or on the right zero padding that finish adds). A stride-1 Conv1d
         * with padding p needs p positions to its right; a ConvTranspose1d with stride u and padding P has made
         * final all but its last P outputs of n u; elementwise steps (leaky ReLU, the residual sums, tanh) add
         * nothing. Along the chain: conv_pre's 3 frames; per stage, the look-ahead so far times u plus P, then the
         * multi-receptive-field fusion's largest residual block (the mean waits for its slowest branch), whose
         * look-ahead is the sum of its convolutions' paddings (K d - d) / 2 (block "1": a dilated and an undilated
         * one per dilation; block "2": one per dilation); conv_post's 3 samples last.
         */
        int lookAhead() {
            int samples = 3;
            for (int i = 0; i < rates.length; i++) {
                samples = samples * rates[i] + (kernels[i] - rates[i]) / 2;
                int slowest = 0;
                for (int j = 0; j < resblockKernels.length; j++) {
                    int sum = 0;
                    for (int d : dilations[j]) {
                        sum += (resblockKernels[j] * d - d) / 2;
                        if (resblock.equals("1")) {
                            sum += (resblockKernels[j] - 1) / 2;
                        }
                    }
                    slowest = Math.max(slowest, sum);
                }
                samples += slowest;
            }
            return samples + 3;
        }

        /** The configuration's fields in config.json's order, for writing edited copies. */
        Map<String, Object> fields() {
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("resblock", resblock);
            fields.put("upsample_rates", rates);
            fields.put("upsample_kernel_sizes", kernels);
            fields.put("upsample_initial_channel", initialChannel);
            fields.put("resblock_kernel_sizes", resblockKernels);
            fields.put("resblock_dilation_sizes", dilations);
            fields.put("num_mels", numMels);
            fields.put("sampling_rate", samplingRate);
            return fields;
        }
    }

    private static final int[][] V1_DILATIONS = {{1, 3, 5}, {1, 3, 5}, {1, 3, 5}};

    /** The fixtures of src/test/resources/hifigan/, as make_fixtures.py writes them. */
    enum Fixture {
        V1_WEIGHT_NORM("v1_weight_norm", new Architecture("1", new int[] {4, 4}, new int[] {8, 8}, 16,
                new int[] {3, 7, 11}, V1_DILATIONS, 80, 22050), "weight_g / weight_v"),
        V3_PARAMETRIZATIONS("v3_parametrizations", new Architecture("2", new int[] {8, 2}, new int[] {16, 4}, 16,
                new int[] {3, 5, 7}, new int[][] {{1, 2}, {2, 6}, {3, 12}}, 80, 22050),
                "parametrizations.weight.original0 / original1"),
        CUSTOM_PLAIN("custom_plain", new Architecture("2", new int[] {5, 3}, new int[] {9, 10}, 12,
                new int[] {3, 5}, new int[][] {{1, 2}, {2, 6}}, 20, 16000), "plain weight");

        final String folderName;
        final Architecture architecture;
        final String keys;

        Fixture(String folderName, Architecture architecture, String keys) {
            this.folderName = folderName;
            this.architecture = architecture;
            this.keys = keys;
        }

        Path folder() {
            return TestResources.folder("hifigan").resolve(folderName);
        }

        Path config() {
            return folder().resolve("config.json");
        }

        Path weights(String format) {
            return folder().resolve("generator." + format);
        }

        HifiGan load(String format) {
            try {
                return HifiGan.load(config(), StateDict.read(weights(format)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        Tensor mel() {
            return read("mel.npy");
        }

        /** PyTorch's float64 audio. */
        Tensor audio() {
            return read("audio.npy");
        }

        private Tensor read(String name) {
            try {
                return Npy.read(folder().resolve(name));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public String toString() {
            return folderName;
        }
    }

    static double maxAbsoluteDifference(Tensor actual, Tensor reference) {
        assertArrayEquals(reference.shape(), actual.shape(), "shape");
        double[] a = actual.toDoubleArray();
        double[] b = reference.toDoubleArray();
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            double difference = Math.abs(a[i] - b[i]);
            max = Double.isNaN(difference) ? Double.POSITIVE_INFINITY : Math.max(max, difference);
        }
        return max;
    }

    static void assertWithin(double bound, Tensor actual, Tensor reference, String label) {
        double error = maxAbsoluteDifference(actual, reference);
        assertTrue(error <= bound, String.format("%s: max |audio - reference| = %.3e > %.1e", label, error, bound));
    }

    static double bound(DType dtype) {
        return switch (dtype) {
            case FLOAT32 -> FLOAT32_BOUND;
            case FLOAT64 -> FLOAT64_BOUND;
            case FLOAT16 -> FLOAT16_BOUND;
            case BFLOAT16 -> BFLOAT16_BOUND;
        };
    }

    @Test
    void fixturesHoldTheConfigurationsTheTestsAssume() throws IOException {
        for (Fixture fixture : Fixture.values()) {
            String file = Files.readString(fixture.config()).replaceAll("\\s", "");
            assertEquals(json(fixture.architecture.fields()), file, fixture.toString());
            Tensor mel = fixture.mel();
            assertEquals(fixture.architecture.numMels(), mel.dim(1), fixture + " mel channels");
            assertArrayEquals(new int[] {mel.dim(0), 1, fixture.architecture.audioLength(mel.dim(2))},
                    fixture.audio().shape(), fixture + " audio shape");
        }
        // the odd K - u of the custom generator's second stage: 9 frames -> 45 -> 136 samples, not 9 * 15
        assertEquals(136, Fixture.CUSTOM_PLAIN.architecture.audioLength(9));
    }

    @Test
    void hopLengthIsTheProductOfTheUpsamplingRates() {
        assertEquals(16, Fixture.V1_WEIGHT_NORM.load("safetensors").hopLength());
        assertEquals(16, Fixture.V3_PARAMETRIZATIONS.load("npz").hopLength());
        assertEquals(15, Fixture.CUSTOM_PLAIN.load("safetensors").hopLength());
    }

    /**
     * Every fixture from both file formats on the CPU in FLOAT32 and FLOAT64, and from safetensors on OpenCL
     * (auto's choice and the direct kernel; the file format does not reach the backend): the audio's shape is
     * PyTorch's (N, 1, L), its dtype the mel's, its values within the bounds.
     */
    @TestFactory
    Stream<DynamicTest> generateMatchesPyTorch() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Fixture fixture : Fixture.values()) {
            for (String format : List.of("safetensors", "npz")) {
                List<Named> backends = format.equals("npz") ? List.of(ON_CPU) : List.of(ON_CPU, ON_OPENCL, ON_DIRECT);
                for (Named backend : backends) {
                    for (DType dtype : List.of(DType.FLOAT32, DType.FLOAT64)) {
                        String label = fixture + " (" + fixture.keys + ", " + format + ") on " + backend + " in "
                                + dtype;
                        tests.add(DynamicTest.dynamicTest(label, () -> {
                            Tensor mel = fixture.mel().to(dtype);
                            Tensor audio = fixture.load(format).generate(backend.get(), mel);
                            assertEquals(dtype, audio.dtype(), label + ": dtype");
                            assertWithin(bound(dtype), audio, fixture.audio(), label);
                        }));
                    }
                }
            }
        }
        return tests.stream();
    }

    /**
     * FLOAT16 and BFLOAT16 storage (computed in FLOAT32) on the CPU and the direct kernel, within
     * {@link #FLOAT16_BOUND} and {@link #BFLOAT16_BOUND}; with {@code -Pexhaustive} on auto's choice too, whose
     * specialised programs (one per shape and dtype) take POCL some five minutes to compile from a cold cache.
     */
    @TestFactory
    Stream<DynamicTest> sixteenBitStorageStaysNearPyTorch() {
        List<Named> backends = TestScope.exhaustive() ? List.of(ON_CPU, ON_DIRECT, ON_OPENCL) : List.of(ON_CPU, ON_DIRECT);
        List<DynamicTest> tests = new ArrayList<>();
        for (Fixture fixture : Fixture.values()) {
            for (Named backend : backends) {
                for (DType dtype : List.of(DType.FLOAT16, DType.BFLOAT16)) {
                    String label = fixture + " on " + backend + " in " + dtype;
                    tests.add(DynamicTest.dynamicTest(label, () -> {
                        Tensor audio = fixture.load("safetensors").generate(backend.get(), fixture.mel().to(dtype));
                        assertEquals(dtype, audio.dtype(), label + ": dtype");
                        assertWithin(bound(dtype), audio, fixture.audio(), label);
                    }));
                }
            }
        }
        return tests.stream();
    }

    /** A rank-2 mel (num_mels, T), one unbatched sample, gives rank-2 audio (1, L): the batch's sample. */
    @TestFactory
    Stream<DynamicTest> anUnbatchedMelGivesUnbatchedAudio() {
        return Stream.of(ON_CPU, ON_OPENCL).map(backend -> DynamicTest.dynamicTest("on " + backend, () -> {
            Fixture fixture = Fixture.CUSTOM_PLAIN;
            HifiGan generator = fixture.load("npz");
            Tensor mel = fixture.mel();
            Tensor audio = fixture.audio();
            for (int sample = 0; sample < mel.dim(0); sample++) {
                Tensor one = generator.generate(backend.get(), item(mel, sample));
                assertArrayEquals(new int[] {1, audio.dim(2)}, one.shape(), "sample " + sample);
                assertWithin(FLOAT32_BOUND, one, item(audio, sample), "sample " + sample + " on " + backend);
            }
        }));
    }

    /** Batch item {@code index} of an (N, C, L) tensor as a rank-2 (C, L) tensor of its dtype. */
    static Tensor item(Tensor t, int index) {
        int size = t.dim(1) * t.dim(2);
        double[] values = Arrays.copyOfRange(t.toDoubleArray(), index * size, (index + 1) * size);
        return TestTensors.of(t.dtype(), values, t.dim(1), t.dim(2));
    }

    /** config.json's num_mels defaults to 80, as the official generator's h.get("num_mels", 80) would have it. */
    @Test
    void numMelsDefaultsToEighty(@TempDir Path dir) throws IOException {
        Fixture fixture = Fixture.V1_WEIGHT_NORM;
        Map<String, Object> fields = fixture.architecture.fields();
        fields.remove("num_mels");
        HifiGan generator = HifiGan.load(config(dir, fields), StateDict.read(fixture.weights("safetensors")));
        assertWithin(FLOAT32_BOUND, generator.generate(CPU, fixture.mel()), fixture.audio(), "without num_mels");
    }

    /**
     * generate keeps every intermediate on the backend, which it does through the library's own backends: a
     * {@link Backend} from elsewhere (here a wrapper, such as one counting uploads and downloads would be) is
     * refused, naming it, before any work. So the one-upload, one-download promise cannot be counted through a
     * wrapper; {@link #generateAndStreamsLeaveNothingOnTheDevice()} checks what the device holds instead.
     */
    @Test
    void aBackendNotOfTheLibrarysIsRefused() {
        Backend foreign = (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(),
                new Class<?>[] {Backend.class}, (proxy, method, args) -> {
                    if (method.getName().equals("describe")) {
                        return "a foreign backend";
                    }
                    throw new AssertionError("the generator called " + method.getName() + " on a foreign backend");
                });
        Fixture fixture = Fixture.V1_WEIGHT_NORM;
        HifiGan generator = fixture.load("safetensors");
        String message = refusal(() -> generator.generate(foreign, fixture.mel()));
        assertTrue(message.contains("a foreign backend"), message);
        refusal(() -> generator.stream(foreign).push(fixture.mel()));
    }

    /**
     * On OpenCL, generate leaves no device tensor open; a stream keeps its layers' histories on the device between
     * pushes, no more over its last 15 one-frame pushes than over the 15 before (a queue holds its positions in one
     * tensor or two, so the count varies from push to push within that bound), and releases them at finish, or at
     * close when it is abandoned.
     */
    @Test
    void generateAndStreamsLeaveNothingOnTheDevice() {
        OpenClBackend backend = (OpenClBackend) openCl(KernelVariant.AUTO);
        Fixture fixture = Fixture.V1_WEIGHT_NORM;
        HifiGan generator = fixture.load("safetensors");
        Tensor mel = fixture.mel();
        int before = Diagnostics.residentTensors(backend);
        generator.generate(backend, mel);
        assertEquals(before, Diagnostics.residentTensors(backend), "device tensors after generate");
        // past the look-ahead (361 samples, 23 frames) every layer has had input and holds its history
        Tensor longer = TestTensors.random(new SplittableRandom(3), DType.FLOAT32, 2, 1, 80, 60);
        try (ChunkStream stream = generator.stream(backend)) {
            stream.push(HifiGanStreamTest.frames(longer, 0, 30));
            int histories = Diagnostics.residentTensors(backend);
            assertTrue(histories > before, "a stream keeps its histories on the device");
            int[] most = new int[2];
            for (int frame = 30; frame < 60; frame++) {
                stream.push(HifiGanStreamTest.frames(longer, frame, 1));
                int half = (frame - 30) / 15;
                most[half] = Math.max(most[half], Diagnostics.residentTensors(backend));
            }
            assertTrue(most[1] <= most[0] && most[0] > before, "device tensors, most over pushes 31-45 and 46-60: "
                    + most[0] + " and " + most[1]);
            stream.finish();
            assertEquals(before, Diagnostics.residentTensors(backend), "device tensors after finish");
        }
        ChunkStream abandoned = generator.stream(backend);
        abandoned.push(HifiGanStreamTest.frames(mel, 0, 5));
        abandoned.close();
        assertEquals(before, Diagnostics.residentTensors(backend), "device tensors after close");
    }

    // ---- refusals ----

    @Test
    void aMissingKeyIsNamed(@TempDir Path dir) throws IOException {
        Fixture fixture = Fixture.V1_WEIGHT_NORM;
        for (String key : List.of("conv_post.bias", "resblocks.4.convs2.1.weight_v", "ups.1.weight_g",
                "conv_pre.weight_v")) {
            Path weights = editedWeights(dir, fixture, tensors -> tensors.remove(key));
            String layer = key.substring(0, key.lastIndexOf('.'));
            String message = refusal(() -> HifiGan.load(fixture.config(), StateDict.read(weights)));
            assertTrue(message.contains(layer), "without " + key + ": " + message);
        }
    }

    @Test
    void aMisShapedWeightIsNamedWithItsShapes(@TempDir Path dir) throws IOException {
        Fixture fixture = Fixture.V1_WEIGHT_NORM;
        // ups.0 is (16 -> 8, K 8): its weight (16, 8, 8); a K of 7 contradicts upsample_kernel_sizes
        Path weights = editedWeights(dir, fixture, tensors -> tensors.put("ups.0.weight_v",
                Tensor.of(new float[16 * 8 * 7], 16, 8, 7)));
        String message = refusal(() -> HifiGan.load(fixture.config(), StateDict.read(weights)));
        assertTrue(message.contains("ups.0"), message);
        assertTrue(message.matches("(?s).*16\\D{1,3}8\\D{1,3}7\\b.*"), "the shape found: " + message);
        assertTrue(message.matches("(?s).*16\\D{1,3}8\\D{1,3}8\\b.*"), "the shape expected: " + message);

        // resblocks.1 of the custom generator's first stage has 6 channels
        Path wrongBias = editedWeights(dir, Fixture.CUSTOM_PLAIN,
                tensors -> tensors.put("resblocks.1.convs.0.bias", Tensor.of(new float[5], 5)));
        message = refusal(() -> HifiGan.load(Fixture.CUSTOM_PLAIN.config(), StateDict.read(wrongBias)));
        assertTrue(message.contains("resblocks.1.convs.0.bias"), message);

        // the same weights under a config with 79 mels: conv_pre's weight (16, 80, 7) no longer fits
        Map<String, Object> fields = fixture.architecture.fields();
        fields.put("num_mels", 79);
        Path config = config(dir, fields);
        message = refusal(() -> HifiGan.load(config, StateDict.read(fixture.weights("safetensors"))));
        assertTrue(message.contains("conv_pre"), message);
    }

    @Test
    void badConfigurationsAreRefused(@TempDir Path dir) throws IOException {
        Fixture fixture = Fixture.V1_WEIGHT_NORM;
        StateDict weights = StateDict.read(fixture.weights("safetensors"));
        Map<String, UnaryOperator<Map<String, Object>>> edits = new LinkedHashMap<>();
        edits.put("resblock", f -> with(f, "resblock", "3"));
        edits.put("upsample_kernel_sizes", f -> with(f, "upsample_kernel_sizes", new int[] {8}));
        edits.put("upsample_rates", f -> without(f, "upsample_rates"));
        edits.put("resblock_dilation_sizes", f -> with(f, "resblock_dilation_sizes", new int[][] {{1, 3, 5}}));
        edits.put("upsample_initial_channel", f -> without(f, "upsample_initial_channel"));
        for (Map.Entry<String, UnaryOperator<Map<String, Object>>> edit : edits.entrySet()) {
            Path config = config(dir, edit.getValue().apply(fixture.architecture.fields()));
            String message = refusal(() -> HifiGan.load(config, weights));
            assertTrue(message.contains(edit.getKey()), edit.getKey() + ": " + message);
        }
        Path broken = dir.resolve("broken.json");
        Files.writeString(broken, "{\"resblock\": \"1\", ");
        refusal(() -> HifiGan.load(broken, weights));
    }

    @Test
    void aMelOfAnotherShapeIsRefused() {
        HifiGan generator = Fixture.V1_WEIGHT_NORM.load("safetensors");
        String message = refusal(() -> generator.generate(CPU, Tensor.of(new float[79 * 4], 1, 79, 4)));
        assertTrue(message.contains("79") && message.contains("80"), message);
        refusal(() -> generator.generate(CPU, Tensor.of(new float[80 * 4], 80 * 4)));
        refusal(() -> generator.generate(CPU, Tensor.of(new float[80 * 4], 1, 1, 80, 4)));
    }

    private static Map<String, Object> with(Map<String, Object> fields, String key, Object value) {
        fields.put(key, value);
        return fields;
    }

    private static Map<String, Object> without(Map<String, Object> fields, String key) {
        fields.remove(key);
        return fields;
    }

    private static String refusal(Executable call) {
        return assertThrows(IllegalArgumentException.class, call).getMessage();
    }

    private static int files;

    private static Path config(Path dir, Map<String, Object> fields) throws IOException {
        Path file = dir.resolve("config" + files++ + ".json");
        Files.writeString(file, json(fields));
        return file;
    }

    /** The fixture's state dict with {@code edit} applied, written as a new .safetensors file. */
    private static Path editedWeights(Path dir, Fixture fixture, Consumer<Map<String, Tensor>> edit)
            throws IOException {
        StateDict original = StateDict.read(fixture.weights("safetensors"));
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (String key : original.keys()) {
            tensors.put(key, original.get(key));
        }
        edit.accept(tensors);
        Path file = dir.resolve("weights" + files++ + ".safetensors");
        writeSafetensors(file, tensors);
        return file;
    }

    /** FLOAT32 safetensors, per the format: 8-byte little-endian header length, JSON header, raw data. */
    static void writeSafetensors(Path file, Map<String, Tensor> tensors) throws IOException {
        StringBuilder header = new StringBuilder("{");
        long offset = 0;
        for (Map.Entry<String, Tensor> entry : tensors.entrySet()) {
            long bytes = 4L * entry.getValue().size();
            header.append(header.length() > 1 ? "," : "").append('"').append(entry.getKey()).append("\":{")
                    .append("\"dtype\":\"F32\",\"shape\":").append(Arrays.toString(entry.getValue().shape()))
                    .append(",\"data_offsets\":[").append(offset).append(',').append(offset + bytes).append("]}");
            offset += bytes;
        }
        header.append('}');
        while (header.length() % 8 != 0) {
            header.append(' ');
        }
        byte[] text = header.toString().getBytes(StandardCharsets.UTF_8);
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(text.length).array());
            out.write(text);
            for (Tensor tensor : tensors.values()) {
                float[] values = tensor.toFloatArray();
                ByteBuffer data = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
                data.asFloatBuffer().put(values);
                out.write(data.array());
            }
        }
    }

    /** JSON without whitespace: strings, integers and (nested) int arrays. */
    static String json(Object value) {
        if (value instanceof Map<?, ?> map) {
            return map.entrySet().stream().map(e -> json(e.getKey()) + ":" + json(e.getValue()))
                    .collect(Collectors.joining(",", "{", "}"));
        }
        if (value instanceof String s) {
            return '"' + s + '"';
        }
        if (value instanceof int[] ints) {
            return Arrays.stream(ints).mapToObj(String::valueOf).collect(Collectors.joining(",", "[", "]"));
        }
        if (value instanceof int[][] rows) {
            return Arrays.stream(rows).map(HifiGanTest::json).collect(Collectors.joining(",", "[", "]"));
        }
        return String.valueOf(value);
    }
}
