package io.clconvt.spark;

import java.io.Serializable;

/**
 * One utterance to decode: either a {@code .npy} file of shape (C, T) or (1, C, T) ({@code npyPath}, read by the
 * task), or a Parquet row's mel, row-major (C, frames) ({@code mel}; null values mean the row had nulls).
 */
public record Utterance(String id, String npyPath, Integer frames, float[] mel) implements Serializable {
    public static Utterance ofFile(String id, String npyPath) {
        return new Utterance(id, npyPath, null, null);
    }

    public static Utterance ofRow(String id, Integer frames, float[] mel) {
        return new Utterance(id, null, frames, mel);
    }

    /** How errors name this utterance: its file, else its id. */
    public String source() {
        return npyPath != null ? npyPath : "row id=" + id;
    }
}
