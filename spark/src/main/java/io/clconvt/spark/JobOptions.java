package io.clconvt.spark;

import java.io.Serializable;
import java.nio.file.Path;

/** The job's command line; see {@link #USAGE}. */
public record JobOptions(Path config, Path weights, String input, String inputFormat, String output,
        String outputFormat, boolean skipBad, int batchSize, int utterancesPerTask, boolean noSpark) implements Serializable {
    public static final String USAGE = """
            usage: DecodeJob --config config.json --weights generator.safetensors|.npz --input PATH --output PATH
                             [--input-format npy|parquet] [--output-format wav|parquet] [--skip-bad]
                             [--batch-size N] [--utterances-per-task N] [--no-spark]
              --input          a folder of .npy mels, one per utterance, (C, T) or (1, C, T); or a Parquet table of
                               (id string, frames int, mel array<float> row-major (C, frames))
              --output         a folder for ID.wav files (32-bit float, mono); or a Parquet table of (id, samples)
              --*-format       default: parquet when the path ends with .parquet, else npy / wav
              --skip-bad       decode the rest when an input is bad and list the bad ones in OUTPUT/_bad_inputs.tsv;
                               without it the first bad input fails the job, its name in the error
              --batch-size     up to N utterances of equal length decoded in one call (default 1: on POCL batching
                               was slower, see docs/cluster.md; try 8 to 32 on a GPU with short utterances)
              --utterances-per-task  npy input: files per Spark task (default 64)
              --no-spark       decode in this process alone (npy to wav), for comparison with the Spark run
            """;

    /**
     * @throws IllegalArgumentException naming the option when one is unknown, missing, repeated without a value or
     *     out of range
     */
    public static JobOptions parse(String... args) {
        Path config = null;
        Path weights = null;
        String input = null;
        String output = null;
        String inputFormat = null;
        String outputFormat = null;
        boolean skipBad = false;
        boolean noSpark = false;
        int batchSize = 1;
        int perTask = 64;
        for (int i = 0; i < args.length; i++) {
            String option = args[i];
            switch (option) {
                case "--skip-bad" -> skipBad = true;
                case "--no-spark" -> noSpark = true;
                case "--config", "--weights", "--input", "--output", "--input-format", "--output-format", "--batch-size",
                        "--utterances-per-task" -> {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException(option + " needs a value");
                    }
                    String value = args[++i];
                    switch (option) {
                        case "--config" -> config = Path.of(value);
                        case "--weights" -> weights = Path.of(value);
                        case "--input" -> input = value;
                        case "--output" -> output = value;
                        case "--input-format" -> inputFormat = oneOf(option, value, "npy", "parquet");
                        case "--output-format" -> outputFormat = oneOf(option, value, "wav", "parquet");
                        case "--batch-size" -> batchSize = positive(option, value);
                        default -> perTask = positive(option, value);
                    }
                }
                default -> throw new IllegalArgumentException("unknown option '" + option + "'");
            }
        }
        for (Object[] required : new Object[][] {{"--config", config}, {"--weights", weights}, {"--input", input},
                {"--output", output}}) {
            if (required[1] == null) {
                throw new IllegalArgumentException(required[0] + " is required");
            }
        }
        inputFormat = inputFormat != null ? inputFormat : input.endsWith(".parquet") ? "parquet" : "npy";
        outputFormat = outputFormat != null ? outputFormat : output.endsWith(".parquet") ? "parquet" : "wav";
        if (noSpark && !(inputFormat.equals("npy") && outputFormat.equals("wav"))) {
            throw new IllegalArgumentException("--no-spark decodes .npy files to .wav files only, got input format "
                    + inputFormat + " and output format " + outputFormat);
        }
        return new JobOptions(config, weights, input, inputFormat, output, outputFormat, skipBad, batchSize, perTask,
                noSpark);
    }

    private static String oneOf(String option, String value, String... allowed) {
        for (String a : allowed) {
            if (a.equals(value)) {
                return value;
            }
        }
        throw new IllegalArgumentException(option + " must be one of " + String.join(", ", allowed) + ", got '" + value + "'");
    }

    private static int positive(String option, String value) {
        try {
            int n = Integer.parseInt(value);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(option + " must be a positive integer, got '" + value + "'");
    }
}
