package io.clconvt.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clconvt.Backend;
import io.clconvt.Backends;
import io.clconvt.Tensor;
import io.clconvt.io.Npy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job on a local Spark master with two task threads (local[2,2]: two attempts per task, so that a failed task is
 * retried as on a cluster), on the default OpenCL device (POCL in CI). A corpus of 40 utterances of 5 to 60 frames is
 * decoded and every output compared, bit for bit, with the single-machine {@code generate} of the same generator on
 * the same device, one utterance at a time.
 */
class SparkDecodeTest {
    private static final int UTTERANCES = 40;

    @TempDir
    static Path root;
    private static SparkSession spark;
    private static Path mels;
    /** The single-machine generate of each utterance, by id. */
    private static final Map<String, float[]> EXPECTED = new HashMap<>();

    @BeforeAll
    static void start() throws IOException {
        Corpus.writeGenerator(root);
        mels = Files.createDirectory(root.resolve("mels"));
        for (int i = 0; i < UTTERANCES; i++) {
            Npy.write(mels.resolve(Corpus.id(i) + ".npy"), Corpus.mel(i));
        }
        Vocoder vocoder = Vocoder.load(root.resolve("config.json"),
                io.clconvt.io.StateDict.read(root.resolve("generator.npz")));
        try (Backend backend = Backends.auto()) {
            for (int i = 0; i < UTTERANCES; i++) {
                Tensor mel = Corpus.mel(i);
                EXPECTED.put(Corpus.id(i), vocoder.generate(backend, Tensor.of(mel.toFloatArray(), 1, Corpus.CHANNELS,
                        Corpus.frames(i))).toFloatArray());
            }
        }
        spark = SparkSession.builder().master("local[2,2]").appName("clconvt-spark-test")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.sql.shuffle.partitions", "2")
                .config("spark.plugins", ClconvtSparkPlugin.class.getName())
                .getOrCreate();
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
            assertEquals(0, ExecutorModels.openBackends(), "the executor plugin closes the backends when Spark stops");
        }
    }

    private static JobOptions options(Path input, Path output, String... more) {
        List<String> args = new ArrayList<>(List.of("--config", root.resolve("config.json").toString(), "--weights",
                root.resolve("generator.npz").toString(), "--input", input.toString(), "--output", output.toString(),
                "--batch-size", "4", "--utterances-per-task", "8"));
        args.addAll(List.of(more));
        return JobOptions.parse(args.toArray(String[]::new));
    }

    private static void assertWavsAreTheSingleMachineOutput(Path output, int count) throws IOException {
        try (Stream<Path> files = Files.list(output)) {
            List<String> names = files.map(p -> p.getFileName().toString()).sorted().toList();
            assertEquals(count, names.stream().filter(n -> n.endsWith(".wav")).count(), names.toString());
            assertFalse(names.stream().anyMatch(n -> n.endsWith(".tmp") || n.endsWith(".crc")),
                    "no temporary or checksum file is left: " + names);
        }
        for (int i = 0; i < UTTERANCES; i++) {
            Path wav = output.resolve(Corpus.id(i) + ".wav");
            float[] samples = Corpus.readWav(wav);
            assertEquals(Corpus.frames(i) * Corpus.HOP, samples.length, wav.toString());
            assertArrayEquals(EXPECTED.get(Corpus.id(i)), samples, wav.toString());
        }
    }

    @Test
    void decodesEveryUtteranceAsTheSingleMachineGenerateDoes() throws IOException {
        Path output = root.resolve("wavs");
        DecodeReport report = DecodeJob.run(spark, options(mels, output));
        assertEquals(UTTERANCES, report.utterances());
        long samples = 0;
        for (int i = 0; i < UTTERANCES; i++) {
            samples += (long) Corpus.frames(i) * Corpus.HOP;
        }
        assertEquals(samples, report.samples());
        assertTrue(report.bad().isEmpty(), report.bad().toString());
        assertWavsAreTheSingleMachineOutput(output, UTTERANCES);
    }

    @Test
    void decodesAParquetTableToAParquetTable() throws IOException {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < UTTERANCES; i++) {
            rows.add(RowFactory.create(Corpus.id(i), Corpus.frames(i), Corpus.mel(i).toFloatArray()));
        }
        rows.add(RowFactory.create("ragged", 7, new float[Corpus.CHANNELS * 7 - 1]));
        StructType schema = new StructType().add("id", DataTypes.StringType).add("frames", DataTypes.IntegerType)
                .add("mel", DataTypes.createArrayType(DataTypes.FloatType));
        Path input = root.resolve("mels.parquet");
        spark.createDataFrame(rows, schema).repartition(3).write().parquet(input.toString());
        Path output = root.resolve("audio.parquet");

        DecodeReport report = DecodeJob.run(spark, options(input, output, "--skip-bad"));

        assertEquals(UTTERANCES, report.utterances());
        assertEquals(List.of("ragged"), List.copyOf(report.bad().keySet()));
        assertTrue(report.bad().get("ragged").contains("row id=ragged"), report.bad().toString());
        List<Row> decoded = spark.read().parquet(output.toString()).collectAsList();
        assertEquals(UTTERANCES, decoded.size());
        for (Row row : decoded) {
            List<Float> samples = row.getList(1);
            float[] actual = new float[samples.size()];
            for (int i = 0; i < actual.length; i++) {
                actual[i] = samples.get(i);
            }
            assertArrayEquals(EXPECTED.get(row.getString(0)), actual, row.getString(0));
        }
        assertTrue(Files.readString(output.resolve(DecodeReport.BAD_INPUTS)).startsWith("ragged\tbad input row id=ragged"));
    }

    @Test
    void aCorruptFileFailsTheJobWithItsNameOrIsSkippedWithSkipBad() throws IOException {
        Path input = Files.createDirectory(root.resolve("with-corrupt"));
        for (int i = 0; i < UTTERANCES; i++) {
            Files.copy(mels.resolve(Corpus.id(i) + ".npy"), input.resolve(Corpus.id(i) + ".npy"));
        }
        Path corrupt = input.resolve("corrupt.npy");
        byte[] truncated = Files.readAllBytes(mels.resolve(Corpus.id(3) + ".npy"));
        Files.write(corrupt, java.util.Arrays.copyOf(truncated, truncated.length / 2));

        Exception failure = assertThrows(Exception.class, () -> DecodeJob.run(spark, options(input, root.resolve("failed"))));
        assertTrue(failure.getMessage().contains("bad input " + corrupt), failure.getMessage());

        Path output = root.resolve("skipped");
        DecodeReport report = DecodeJob.run(spark, options(input, output, "--skip-bad"));
        assertEquals(UTTERANCES, report.utterances());
        assertEquals(List.of("corrupt"), List.copyOf(report.bad().keySet()));
        assertTrue(report.bad().get("corrupt").startsWith("bad input " + corrupt), report.bad().toString());
        assertTrue(Files.readString(output.resolve(DecodeReport.BAD_INPUTS)).startsWith("corrupt\tbad input " + corrupt));
        assertFalse(Files.exists(output.resolve("corrupt.wav")));
        assertWavsAreTheSingleMachineOutput(output, UTTERANCES);
    }

    /** The first attempt of partition 0 writes two files, then dies, as on a lost executor. */
    private static final AtomicInteger INJECTED = new AtomicInteger();

    private record FailFirstAttempt(FlatMapFunction<Iterator<Utterance>, Decoded> decode)
            implements FlatMapFunction<Iterator<Utterance>, Decoded> {
        @Override
        public Iterator<Decoded> call(Iterator<Utterance> utterances) throws Exception {
            Iterator<Decoded> decoded = decode.call(utterances);
            TaskContext task = TaskContext.get();
            if (task.partitionId() != 0 || task.attemptNumber() != 0) {
                return decoded;
            }
            return new Iterator<>() {
                private int returned;

                @Override
                public boolean hasNext() {
                    return decoded.hasNext();
                }

                @Override
                public Decoded next() {
                    if (returned == 2) {
                        INJECTED.incrementAndGet();
                        throw new IllegalStateException("injected failure of the first attempt");
                    }
                    returned++;
                    return decoded.next();
                }
            };
        }
    }

    @Test
    void aRetriedTaskWritesTheSameAudio() throws IOException {
        Path output = root.resolve("retried");
        DecodeReport report = DecodeJob.run(spark, options(mels, output), FailFirstAttempt::new);
        assertEquals(1, INJECTED.get(), "the first attempt failed once");
        assertEquals(UTTERANCES, report.utterances());
        assertWavsAreTheSingleMachineOutput(output, UTTERANCES);
    }
}
