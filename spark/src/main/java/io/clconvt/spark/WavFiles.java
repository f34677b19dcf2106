package io.clconvt.spark;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

/**
 * Mono 32-bit float WAV files (WAVE_FORMAT_IEEE_FLOAT, with the fact chunk non-PCM formats carry), written
 * atomically: to a hidden temporary file in the same folder, forced to disk, then renamed over the final name. A task
 * that dies mid-write leaves at most a {@code .NAME.wav.*.tmp} file, never a truncated {@code NAME.wav}, and a retried
 * task replaces the file whole. The samples are stored as computed, so outputs compare bit for bit.
 */
public final class WavFiles {
    static final String TEMPORARY_SUFFIX = ".tmp";
    private static final int HEADER_BYTES = 58;
    private static final short WAVE_FORMAT_IEEE_FLOAT = 3;

    private WavFiles() {
    }

    /** Writes {@code folder/id.wav}; returns its path. */
    public static Path writeAtomically(Path folder, String id, float[] samples, int samplingRate) throws IOException {
        Path target = folder.resolve(id + ".wav");
        Path temporary = folder.resolve("." + id + ".wav." + UUID.randomUUID() + TEMPORARY_SUFFIX);
        ByteBuffer bytes = encode(samples, samplingRate);
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            channel.force(true);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temporary);
            throw e;
        }
        Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return target;
    }

    static ByteBuffer encode(float[] samples, int samplingRate) {
        int dataBytes = Math.multiplyExact(samples.length, 4);
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(HEADER_BYTES - 8 + dataBytes);
        b.put("WAVE".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        b.put("fmt ".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(18);
        b.putShort(WAVE_FORMAT_IEEE_FLOAT).putShort((short) 1).putInt(samplingRate).putInt(samplingRate * 4)
                .putShort((short) 4).putShort((short) 32).putShort((short) 0);
        b.put("fact".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(4).putInt(samples.length);
        b.put("data".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(dataBytes);
        for (float sample : samples) {
            b.putFloat(sample);
        }
        return b.flip();
    }
}
