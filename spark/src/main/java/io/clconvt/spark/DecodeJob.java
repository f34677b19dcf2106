package io.clconvt.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.LongAccumulator;

/**
 * The batch job: mel spectrograms in, audio out, on every executor's OpenCL device.
 *
 * <pre>
 * spark-submit --class io.clconvt.spark.DecodeJob clconvt-spark.jar \
 *     --config config.json --weights generator.safetensors --input mels/ --output wavs/
 * </pre>
 *
 * The driver reads the generator's files and broadcasts them once; each task decodes a partition of utterances with
 * {@link DecodeFunction} on the device its GPU address maps to ({@link GpuAddressMapping}); .wav outputs are written
 * by the tasks atomically ({@link WavFiles}), Parquet outputs by Spark's own committer. See docs/cluster.md.
 */
public final class DecodeJob {
    private static final int DEFAULT_SAMPLING_RATE = 22050;

    private DecodeJob() {
    }

    /** What a task tells the driver of a .wav it wrote: the audio stays on the executor's disk. */
    private record Written(String id, int samples, String error) implements java.io.Serializable {
    }

    public static void main(String[] args) throws IOException {
        JobOptions options;
        try {
            options = JobOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.print(JobOptions.USAGE);
            System.exit(2);
            return;
        }
        DecodeReport report;
        if (options.noSpark()) {
            report = runWithoutSpark(options);
            ExecutorModels.closeAll();
        } else {
            SparkSession spark = SparkSession.builder().appName("clconvt decode").config("spark.plugins",
                    withPlugin(new SparkConf().get("spark.plugins", ""))).getOrCreate();
            try {
                report = run(spark, options);
            } finally {
                spark.stop();
            }
        }
        System.out.println(report.summary());
    }

    /** {@code spark.plugins} with {@link ClconvtSparkPlugin} added to what the user configured. */
    static String withPlugin(String plugins) {
        String ours = ClconvtSparkPlugin.class.getName();
        if (plugins.isBlank()) {
            return ours;
        }
        return List.of(plugins.split(",")).contains(ours) ? plugins : plugins + "," + ours;
    }

    /** Runs the job on {@code spark}; the caller stops it. */
    public static DecodeReport run(SparkSession spark, JobOptions options) throws IOException {
        return run(spark, options, UnaryOperator.identity());
    }

    /** {@link #run(SparkSession, JobOptions)} with each task's decoding wrapped by {@code wrap} (the tests inject failures). */
    static DecodeReport run(SparkSession spark, JobOptions options,
            UnaryOperator<FlatMapFunction<Iterator<Utterance>, Decoded>> wrap) throws IOException {
        long start = System.nanoTime();
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        GeneratorFiles files = GeneratorFiles.read(options.config(), options.weights());
        files.load(); // on the driver first: a config or weights problem fails here, once, not in every task
        int samplingRate = samplingRate(options.config());
        Broadcast<GeneratorFiles> generator = sc.broadcast(files);
        FlatMapFunction<Iterator<Utterance>, Decoded> decode = wrap.apply(
                new DecodeFunction(generator::value, options.batchSize(), options.skipBad()));
        JavaRDD<Utterance> inputs = options.inputFormat().equals("npy") ? npyInputs(sc, options) : parquetInputs(spark, options);
        JavaRDD<Decoded> decoded = inputs.mapPartitions(decode);

        int utterances;
        long samples;
        TreeMap<String, String> bad = new TreeMap<>();
        if (options.outputFormat().equals("wav")) {
            Path folder = Path.of(options.output());
            Files.createDirectories(folder);
            String output = folder.toAbsolutePath().toString();
            List<Written> outcomes = decoded.map(d -> {
                if (d.failed()) {
                    return new Written(d.id(), 0, d.error());
                }
                WavFiles.writeAtomically(Path.of(output), d.id(), d.samples(), samplingRate);
                return new Written(d.id(), d.samples().length, null);
            }).collect();
            removeTemporaryFiles(folder);
            utterances = 0;
            samples = 0;
            for (Written outcome : outcomes) {
                if (outcome.error() != null) {
                    bad.put(outcome.id(), outcome.error());
                } else {
                    utterances++;
                    samples += outcome.samples();
                }
            }
        } else {
            // Spark's commit protocol makes the Parquet output appear whole or not at all. The counts come back through
            // accumulators, which a retried task may update twice: the bad inputs are keyed by id, and the totals are
            // recounted from the output.
            CollectionAccumulator<String> failures = sc.sc().collectionAccumulator("clconvt bad inputs");
            JavaRDD<Row> rows = decoded.flatMap(d -> {
                if (d.failed()) {
                    failures.add(d.id() + "\t" + d.error());
                    return List.<Row>of().iterator();
                }
                return List.of(RowFactory.create(d.id(), d.samples())).iterator();
            });
            StructType schema = new StructType().add("id", DataTypes.StringType, false)
                    .add("samples", DataTypes.createArrayType(DataTypes.FloatType, false), false);
            spark.createDataFrame(rows, schema).write().parquet(options.output());
            for (String failure : failures.value()) {
                int tab = failure.indexOf('\t');
                bad.put(failure.substring(0, tab), failure.substring(tab + 1));
            }
            Row totals = spark.read().parquet(options.output())
                    .selectExpr("count(*)", "coalesce(sum(size(samples)), 0)").first();
            utterances = (int) totals.getLong(0);
            samples = totals.getLong(1);
        }
        DecodeReport report = new DecodeReport(utterances, samples, samplingRate, bad, (System.nanoTime() - start) / 1e9);
        if (!bad.isEmpty()) {
            if (options.outputFormat().equals("wav")) {
                Files.writeString(Path.of(options.output()).resolve(DecodeReport.BAD_INPUTS), report.badInputsTsv());
            } else {
                writeBadInputs(sc, options.output(), report);
            }
        }
        return report;
    }

    /** npy to wav in this process: the same decoding and writing as a Spark task, for comparison. */
    static DecodeReport runWithoutSpark(JobOptions options) throws IOException {
        long start = System.nanoTime();
        GeneratorFiles files = GeneratorFiles.read(options.config(), options.weights());
        int samplingRate = samplingRate(options.config());
        Path folder = Path.of(options.output());
        Files.createDirectories(folder);
        DecodeFunction decode = new DecodeFunction(() -> files, options.batchSize(), options.skipBad());
        Iterator<Decoded> decoded;
        try {
            decoded = decode.call(npyFiles(options).iterator());
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        int utterances = 0;
        long samples = 0;
        TreeMap<String, String> bad = new TreeMap<>();
        while (decoded.hasNext()) {
            Decoded d = decoded.next();
            if (d.failed()) {
                bad.put(d.id(), d.error());
            } else {
                WavFiles.writeAtomically(folder, d.id(), d.samples(), samplingRate);
                utterances++;
                samples += d.samples().length;
            }
        }
        DecodeReport report = new DecodeReport(utterances, samples, samplingRate, bad, (System.nanoTime() - start) / 1e9);
        if (!bad.isEmpty()) {
            Files.writeString(folder.resolve(DecodeReport.BAD_INPUTS), report.badInputsTsv());
        }
        return report;
    }

    private static JavaRDD<Utterance> npyInputs(JavaSparkContext sc, JobOptions options) throws IOException {
        List<Utterance> files = npyFiles(options);
        int slices = Math.max(1, (files.size() + options.utterancesPerTask() - 1) / options.utterancesPerTask());
        return sc.parallelize(files, Math.max(slices, Math.min(files.size(), sc.defaultParallelism())));
    }

    /** The folder's .npy files, by name; an utterance's id is its file name without .npy. */
    private static List<Utterance> npyFiles(JobOptions options) throws IOException {
        Path folder = Path.of(options.input());
        if (!Files.isDirectory(folder)) {
            throw new IllegalArgumentException("--input " + folder + " is not a folder of .npy files");
        }
        try (Stream<Path> listing = Files.list(folder)) {
            return listing.filter(p -> p.getFileName().toString().endsWith(".npy") && Files.isRegularFile(p)).sorted()
                    .map(p -> {
                        String name = p.getFileName().toString();
                        return Utterance.ofFile(name.substring(0, name.length() - ".npy".length()),
                                p.toAbsolutePath().toString());
                    }).toList();
        }
    }

    private static JavaRDD<Utterance> parquetInputs(SparkSession spark, JobOptions options) {
        Dataset<Row> table = spark.read().parquet(options.input())
                .selectExpr("cast(id as string) as id", "cast(frames as int) as frames", "cast(mel as array<float>) as mel");
        if (options.batchSize() > 1) {
            // Utterances of equal length in the same task, where DecodeFunction can batch them. The range bounds come
            // from a sample Spark draws with a fixed seed, and each task sorts its rows, so a retried task still makes
            // the same batches.
            table = table.repartitionByRange(table.rdd().getNumPartitions(), table.col("frames"), table.col("id"));
        }
        return table.javaRDD().map(row -> {
            String id = row.isNullAt(0) ? "null" : row.getString(0);
            Integer frames = row.isNullAt(1) ? null : row.getInt(1);
            float[] mel = null;
            if (!row.isNullAt(2)) {
                List<Float> values = row.getList(2);
                if (!values.contains(null)) {
                    mel = new float[values.size()];
                    for (int i = 0; i < mel.length; i++) {
                        mel[i] = values.get(i);
                    }
                }
            }
            return Utterance.ofRow(id, frames, mel);
        });
    }

    /** {@code sampling_rate} of the HiFi-GAN config, else 22050 Hz. */
    static int samplingRate(Path config) throws IOException {
        JsonNode rate = new ObjectMapper().readTree(config.toFile()).get("sampling_rate");
        if (rate == null) {
            return DEFAULT_SAMPLING_RATE;
        }
        if (!rate.canConvertToInt() || rate.asInt() <= 0) {
            throw new IllegalArgumentException(config + ": sampling_rate must be a positive integer, got " + rate);
        }
        return rate.asInt();
    }

    /**
     * After the job succeeded, the temporary files of attempts that died mid-write (executor lost, task killed) are
     * garbage: every utterance's final file has been renamed into place.
     */
    private static void removeTemporaryFiles(Path folder) throws IOException {
        try (Stream<Path> listing = Files.list(folder)) {
            for (Path file : (Iterable<Path>) listing::iterator) {
                String name = file.getFileName().toString();
                if (name.startsWith(".") && name.contains(".wav.") && name.endsWith(WavFiles.TEMPORARY_SUFFIX)) {
                    Files.deleteIfExists(file);
                }
            }
        }
    }

    /** Into the Parquet table's folder, wherever Hadoop's file systems put it, beside Spark's own files. */
    private static void writeBadInputs(JavaSparkContext sc, String output, DecodeReport report) throws IOException {
        org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(output, DecodeReport.BAD_INPUTS);
        FileSystem fs = file.getFileSystem(sc.hadoopConfiguration());
        try (OutputStream out = fs.create(file, true)) {
            out.write(report.badInputsTsv().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
