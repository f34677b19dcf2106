package io.clconvt.spark;

import java.io.Serializable;

/** An utterance's audio ({@code samples}), or why it could not be decoded ({@code error}, with --skip-bad). */
public record Decoded(String id, float[] samples, String error) implements Serializable {
    public boolean failed() {
        return error != null;
    }
}
