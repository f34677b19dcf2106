package io.clconvt.spark;

import java.util.Map;
import java.util.SortedMap;

/** What a run decoded: utterances, samples, the bad inputs skipped (id to error) and the wall time. */
public record DecodeReport(int utterances, long samples, int samplingRate, SortedMap<String, String> bad,
        double seconds) {
    /** The file, in the output folder, that lists the inputs --skip-bad skipped. */
    public static final String BAD_INPUTS = "_bad_inputs.tsv";

    public double audioSeconds() {
        return (double) samples / samplingRate;
    }

    public String summary() {
        StringBuilder text = new StringBuilder(String.format(
                "decoded %d utterances, %.2f s of audio, in %.2f s: %.1f utterances/s, %.1f s of audio/s",
                utterances, audioSeconds(), seconds, utterances / seconds, audioSeconds() / seconds));
        if (!bad.isEmpty()) {
            text.append(String.format("%n%d bad inputs skipped (listed in %s):", bad.size(), BAD_INPUTS));
            for (Map.Entry<String, String> entry : bad.entrySet()) {
                text.append(System.lineSeparator()).append("  ").append(entry.getKey()).append(": ").append(entry.getValue());
            }
        }
        return text.toString();
    }

    /** The bad-inputs listing: id, tab, error with line breaks flattened, one per line. */
    public String badInputsTsv() {
        StringBuilder tsv = new StringBuilder();
        bad.forEach((id, error) -> tsv.append(id).append('\t').append(error.replaceAll("\\s+", " ")).append('\n'));
        return tsv.toString();
    }
}
