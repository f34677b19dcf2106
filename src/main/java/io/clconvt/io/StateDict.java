package io.clconvt.io;

import static java.nio.file.StandardOpenOption.READ;

import io.clconvt.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The named tensors of a PyTorch state dict exported as {@code .safetensors} or {@code .npz}, e.g. with
 * {@code safetensors.torch.save_file(model.state_dict(), "model.safetensors")} or
 * {@code np.savez("model.npz", **{k: v.numpy() for k, v in model.state_dict().items()})}.
 *
 * <p>{@link #read(Path)} reads and checks the file's index only; {@link #get(String)} reads one tensor when it is
 * asked for, so a checkpoint far larger than the heap (or than 2 GiB) can be opened to take a few layers from it.
 * The file must not change while the dict is in use.
 *
 * <ul>
 *   <li>{@code .safetensors}: an 8-byte little-endian header length, a JSON header mapping each name to its
 *       {@code dtype}, {@code shape} and {@code data_offsets} (relative to the data after the header), and the raw
 *       little-endian data. F32 and F64 entries keep their dtype; F16 and BF16 entries are widened exactly to
 *       FLOAT32. {@code __metadata__} is ignored.
 *   <li>{@code .npz}: NumPy's zip of {@code .npy} files (stored by {@code np.savez}, deflated by
 *       {@code np.savez_compressed}), each float32 or float64 as {@link Npy} reads them; a key is the entry's
 *       name without {@code .npy}.
 * </ul>
 *
 * <p>A malformed file (truncated, a header length beyond the file, offsets out of range, overlapping or leaving
 * gaps, an unknown dtype, a shape that does not match its byte count, a zip that is not one) throws an
 * {@link IllegalArgumentException} naming the file and the problem, before any tensor is allocated.
 */
public final class StateDict {
    /** Data moves through a buffer of this size; the format readers share it. */
    static final int CHUNK_BYTES = 1 << 20;

    private final Path file;
    private final Map<String, Entry> entries;

    private StateDict(Path file, Map<String, Entry> entries) {
        this.file = file;
        this.entries = Collections.unmodifiableMap(entries);
    }

    /**
     * Reads the index of a {@code .safetensors} or {@code .npz} file (chosen by the file's first bytes, not its
     * name).
     *
     * @throws IllegalArgumentException if the file is neither, or is malformed
     * @throws IOException if it cannot be read, e.g. {@link java.nio.file.NoSuchFileException}
     */
    public static StateDict read(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        try (FileChannel channel = FileChannel.open(file, READ)) {
            ByteBuffer start = ByteBuffer.allocate(4);
            while (start.hasRemaining() && channel.read(start) >= 0) {
                // fill what the file has
            }
            // A zip starts with a local file header, or with the end record when it is empty.
            if (start.position() == 4 && start.get(0) == 'P' && start.get(1) == 'K'
                    && ((start.get(2) == 3 && start.get(3) == 4) || (start.get(2) == 5 && start.get(3) == 6))) {
                return new StateDict(file, NpzArchive.entries(file));
            }
            return new StateDict(file, Safetensors.entries(file, channel));
        }
    }

    /**
     * A dict of tensors already in memory, e.g. made by the application or kept to hand to many workers; its
     * {@link #file()} is null. The map's iteration order is the keys' order.
     *
     * @throws IllegalArgumentException if a key or tensor is null
     */
    public static StateDict of(Map<String, Tensor> tensors) {
        Objects.requireNonNull(tensors, "tensors");
        Map<String, Entry> entries = new LinkedHashMap<>();
        tensors.forEach((key, tensor) -> {
            if (key == null || tensor == null) {
                throw new IllegalArgumentException("a state dict's keys and tensors must not be null, got " + key
                        + " = " + tensor);
            }
            entries.put(key, () -> tensor);
        });
        return new StateDict(null, entries);
    }

    /** The tensors' names, in the file's order. */
    public Set<String> keys() {
        return entries.keySet();
    }

    /**
     * The tensor called {@code key}: FLOAT32 or FLOAT64 as stored, F16 and BF16 widened to FLOAT32.
     *
     * @throws IllegalArgumentException if there is no such key (the message lists the keys there are), or its
     *     data is malformed or larger than a {@link Tensor} holds
     * @throws UncheckedIOException if the file cannot be read
     */
    public Tensor get(String key) {
        Entry entry = entries.get(key);
        if (entry == null) {
            throw new IllegalArgumentException("no tensor '" + key + "' in " + this + "; its keys are " + keys());
        }
        try {
            return entry.load();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read '" + key + "' from " + file, e);
        }
    }

    /** The file the dict was read from, or null for a dict {@link #of} tensors in memory. */
    public Path file() {
        return file;
    }

    @Override
    public String toString() {
        return "StateDict(" + (file == null ? "in memory" : file) + ", " + entries.size() + " tensors)";
    }

    /** One tensor of the file, read when {@link #get(String)} asks for it; the format readers make these. */
    interface Entry {
        Tensor load() throws IOException;
    }

    /** The exception for a file the readers refuse, naming the file. */
    static IllegalArgumentException malformed(Path file, String problem) {
        return new IllegalArgumentException(file + ": " + problem);
    }
}
