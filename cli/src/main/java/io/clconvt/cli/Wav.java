package io.clconvt.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Writes mono 16-bit PCM WAV files: the canonical 44-byte RIFF header, then little-endian samples. */
final class Wav {
    static final int HEADER_BYTES = 44;
    private static final int FULL_SCALE = 32767;

    private Wav() {
    }

    /**
     * The 16-bit value of one sample: clipped to [-1, 1] (a generator's tanh stays inside, anything else may not),
     * scaled by 32767 so that -1 and 1 are symmetric, rounded to nearest. NaN, which has no loudness, becomes
     * silence.
     */
    static short pcm16(double sample) {
        if (Double.isNaN(sample)) {
            return 0;
        }
        return (short) Math.round(Math.max(-1, Math.min(1, sample)) * FULL_SCALE);
    }

    /**
     * Writes {@code samples} as one channel at {@code sampleRate}; the file is replaced at once, so a failed write
     * leaves no partial file.
     *
     * @throws IllegalArgumentException if the data would not fit a WAV file's 32-bit sizes, or the rate is not
     *     positive
     */
    static void writeMono16(Path file, double[] samples, int sampleRate) throws IOException {
        long dataBytes = 2L * samples.length;
        if (dataBytes > 0xFFFF_FFFFL - (HEADER_BYTES - 8) || dataBytes > Integer.MAX_VALUE - HEADER_BYTES) {
            throw new IllegalArgumentException("--wav: " + samples.length + " samples are more than a WAV file holds");
        }
        if (sampleRate <= 0 || sampleRate > Integer.MAX_VALUE / 2) {
            throw new IllegalArgumentException("--wav: the sampling rate must be positive and fit the header's bytes"
                    + " per second, got " + sampleRate);
        }
        ByteBuffer bytes = ByteBuffer.allocate(HEADER_BYTES + (int) dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        bytes.put(ascii("RIFF")).putInt((int) (HEADER_BYTES - 8 + dataBytes)).put(ascii("WAVE"));
        bytes.put(ascii("fmt ")).putInt(16) // the PCM format chunk's size
                .putShort((short) 1) // PCM
                .putShort((short) 1) // channels
                .putInt(sampleRate)
                .putInt(sampleRate * 2) // bytes per second
                .putShort((short) 2) // bytes per frame
                .putShort((short) 16); // bits per sample
        bytes.put(ascii("data")).putInt((int) dataBytes);
        for (double sample : samples) {
            bytes.putShort(pcm16(sample));
        }
        Path directory = file.toAbsolutePath().getParent();
        Path partial = Files.createTempFile(directory, file.getFileName().toString(), ".partial");
        try {
            Files.write(partial, bytes.array());
            Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(partial);
        }
    }

    private static byte[] ascii(String tag) {
        return tag.getBytes(StandardCharsets.US_ASCII);
    }
}
