package io.clconvt.io;

import static java.nio.file.StandardOpenOption.READ;

import io.clconvt.DType;
import io.clconvt.Tensor;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

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
    /** The safetensors reference implementation refuses headers over 100 MB; so do we. */
    private static final long MAX_HEADER_BYTES = 100_000_000L;
    /** Data moves through a buffer of this size. */
    private static final int CHUNK_BYTES = 1 << 20;
    /** Deflate cannot expand data by more than about 1032:1; a zip claiming more is corrupt. */
    private static final long MAX_DEFLATE_RATIO = 1032;

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
                return new StateDict(file, npzEntries(file));
            }
            return new StateDict(file, safetensorsEntries(file, channel));
        }
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
            throw new IllegalArgumentException("no tensor '" + key + "' in " + file + "; its keys are " + keys());
        }
        try {
            return entry.load();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read '" + key + "' from " + file, e);
        }
    }

    /** The file the dict was read from. */
    public Path file() {
        return file;
    }

    @Override
    public String toString() {
        return "StateDict(" + file + ", " + entries.size() + " tensors)";
    }

    private interface Entry {
        Tensor load() throws IOException;
    }

    // ---- safetensors ----

    /** The element types safetensors names, with their width; only these four are readable. */
    private enum SafetensorsType {
        F32(4), F64(8), F16(2), BF16(2);

        final int bytes;

        SafetensorsType(int bytes) {
            this.bytes = bytes;
        }
    }

    /** One tensor's place in the data section, which starts {@code dataStart} bytes into the file. */
    private record SafetensorsEntry(Path file, String key, SafetensorsType type, int[] shape, long begin, long end,
            long dataStart) implements Entry {
        @Override
        public Tensor load() throws IOException {
            long elements = (end - begin) / type.bytes;
            if (elements > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(file + ": '" + key + "' has " + elements
                        + " elements, more than a Tensor holds (" + Integer.MAX_VALUE + ")");
            }
            try (FileChannel channel = FileChannel.open(file, READ)) {
                if (channel.size() < dataStart + end) {
                    throw new IllegalArgumentException(file + ": truncated: '" + key + "' ends at byte "
                            + (dataStart + end) + " but the file has " + channel.size());
                }
                int count = (int) elements;
                if (type == SafetensorsType.F64) {
                    double[] data = new double[count];
                    readElements(channel, count, (buffer, first, n) -> buffer.asDoubleBuffer().get(data, first, n));
                    return Tensor.of(data, shape);
                }
                if (type == SafetensorsType.F32) {
                    float[] data = new float[count];
                    readElements(channel, count, (buffer, first, n) -> buffer.asFloatBuffer().get(data, first, n));
                    return Tensor.of(data, shape);
                }
                short[] bits = new short[count];
                readElements(channel, count, (buffer, first, n) -> buffer.asShortBuffer().get(bits, first, n));
                // Widened exactly: layers computed from a checkpoint default to FLOAT32 parameters.
                Tensor half = type == SafetensorsType.F16 ? Tensor.ofFloat16Bits(bits, shape)
                        : Tensor.ofBfloat16Bits(bits, shape);
                return half.to(DType.FLOAT32);
            }
        }

        private interface Sink {
            void take(ByteBuffer buffer, int first, int count);
        }

        /** Positional reads at long offsets, a chunk at a time: no 2 GiB limit and no full-size byte copy. */
        private void readElements(FileChannel channel, int count, Sink sink) throws IOException {
            int perChunk = CHUNK_BYTES / type.bytes;
            ByteBuffer chunk = ByteBuffer.allocate((int) Math.min((long) count * type.bytes, CHUNK_BYTES))
                    .order(ByteOrder.LITTLE_ENDIAN);
            for (int first = 0; first < count; first += perChunk) {
                int n = Math.min(perChunk, count - first);
                long position = dataStart + begin + (long) first * type.bytes;
                chunk.clear().limit(n * type.bytes);
                while (chunk.hasRemaining()) {
                    if (channel.read(chunk, position + chunk.position()) < 0) {
                        throw new IllegalArgumentException(file + ": truncated inside '" + key + "'");
                    }
                }
                sink.take(chunk.flip(), first, n);
            }
        }
    }

    private static Map<String, Entry> safetensorsEntries(Path file, FileChannel channel) throws IOException {
        long size = channel.size();
        if (size < 8) {
            throw malformed(file, "truncated: " + size + " bytes, shorter than the 8-byte header length of a "
                    + ".safetensors file (and not an .npz zip either)");
        }
        ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(channel, lengthBytes, 0, file);
        long headerLength = lengthBytes.flip().getLong();
        if (headerLength < 0 || headerLength > size - 8) {
            throw malformed(file, "header length " + Long.toUnsignedString(headerLength)
                    + " runs beyond the end of the file (" + size + " bytes); truncated, or not a .safetensors file");
        }
        if (headerLength > MAX_HEADER_BYTES) {
            throw malformed(file, "header length " + headerLength + " exceeds the " + MAX_HEADER_BYTES
                    + "-byte limit of the format");
        }
        ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
        readFully(channel, headerBytes, 8, file);
        String header;
        try {
            header = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(headerBytes.flip()).toString();
        } catch (CharacterCodingException e) {
            throw malformed(file, "the header is not UTF-8");
        }
        Object parsed;
        try {
            parsed = Json.parse(header);
        } catch (IllegalArgumentException e) {
            throw malformed(file, "header: " + e.getMessage());
        }
        if (!(parsed instanceof Map<?, ?> index)) {
            throw malformed(file, "the header is not a JSON object");
        }
        long dataStart = 8 + headerLength;
        long dataBytes = size - dataStart;
        List<SafetensorsEntry> list = new ArrayList<>();
        for (Map.Entry<?, ?> member : index.entrySet()) {
            String key = (String) member.getKey();
            if (key.equals("__metadata__")) {
                continue;
            }
            list.add(safetensorsEntry(file, key, member.getValue(), dataStart, dataBytes));
        }
        // The format's rule: the entries tile the data section exactly, without overlaps or gaps.
        List<SafetensorsEntry> byOffset = new ArrayList<>(list);
        byOffset.sort(Comparator.comparingLong(SafetensorsEntry::begin).thenComparingLong(SafetensorsEntry::end));
        long covered = 0;
        String previous = null;
        for (SafetensorsEntry entry : byOffset) {
            if (entry.begin() < covered) {
                throw malformed(file, "the data of '" + entry.key() + "' [" + entry.begin() + ", " + entry.end()
                        + ") overlaps that of '" + previous + "' (which ends at " + covered + ")");
            }
            if (entry.begin() > covered) {
                throw malformed(file, "bytes [" + covered + ", " + entry.begin() + ") of the data belong to no "
                        + "tensor (before '" + entry.key() + "')");
            }
            covered = entry.end();
            previous = entry.key();
        }
        if (covered != dataBytes) {
            throw malformed(file, "the tensors cover " + covered + " bytes of data but the file holds " + dataBytes
                    + " after the header");
        }
        Map<String, Entry> entries = new LinkedHashMap<>();
        list.forEach(entry -> entries.put(entry.key(), entry));
        return entries;
    }

    private static SafetensorsEntry safetensorsEntry(Path file, String key, Object value, long dataStart,
            long dataBytes) {
        if (!(value instanceof Map<?, ?> fields)) {
            throw malformed(file, "'" + key + "' is not an object with dtype, shape and data_offsets");
        }
        Object dtype = fields.get("dtype");
        if (!(dtype instanceof String dtypeName)) {
            throw malformed(file, "'" + key + "' has no dtype string");
        }
        SafetensorsType type = Arrays.stream(SafetensorsType.values()).filter(t -> t.name().equals(dtypeName))
                .findFirst().orElseThrow(() -> malformed(file, "'" + key + "' has dtype " + dtypeName
                        + ", which is not supported; only F32, F64, F16 and BF16"));
        List<BigInteger> dims = integers(file, key, "shape", fields.get("shape"));
        List<BigInteger> offsets = integers(file, key, "data_offsets", fields.get("data_offsets"));
        if (offsets.size() != 2) {
            throw malformed(file, "'" + key + "' data_offsets must be [begin, end], got " + offsets);
        }
        BigInteger begin = offsets.get(0);
        BigInteger end = offsets.get(1);
        if (begin.compareTo(end) > 0 || end.compareTo(BigInteger.valueOf(dataBytes)) > 0) {
            throw malformed(file, "'" + key + "' data_offsets " + offsets + " lie outside the " + dataBytes
                    + " bytes of data");
        }
        BigInteger elements = BigInteger.ONE;
        int[] shape = new int[dims.size()];
        for (int i = 0; i < shape.length; i++) {
            elements = elements.multiply(dims.get(i));
            if (dims.get(i).compareTo(BigInteger.valueOf(Integer.MAX_VALUE)) > 0) {
                throw malformed(file, "'" + key + "' shape " + dims + " has a dimension beyond " + Integer.MAX_VALUE);
            }
            shape[i] = dims.get(i).intValue();
        }
        BigInteger expected = elements.multiply(BigInteger.valueOf(type.bytes));
        if (!expected.equals(end.subtract(begin))) {
            throw malformed(file, "'" + key + "' has shape " + dims + " of " + type + ", which is " + expected
                    + " bytes, but data_offsets " + offsets + " hold " + end.subtract(begin));
        }
        return new SafetensorsEntry(file, key, type, shape, begin.longValueExact(), end.longValueExact(), dataStart);
    }

    private static List<BigInteger> integers(Path file, String key, String field, Object value) {
        if (!(value instanceof List<?> list) || !list.stream().allMatch(
                v -> v instanceof BigInteger i && i.signum() >= 0)) {
            throw malformed(file, "'" + key + "' " + field + " must be a list of non-negative integers, got " + value);
        }
        return list.stream().map(BigInteger.class::cast).toList();
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position, Path file)
            throws IOException {
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, position + buffer.position()) < 0) {
                throw malformed(file, "truncated");
            }
        }
    }

    // ---- npz ----

    private static Map<String, Entry> npzEntries(Path file) throws IOException {
        long fileSize = Files.size(file);
        Map<String, Entry> entries = new LinkedHashMap<>();
        try (ZipFile zip = new ZipFile(file.toFile())) {
            for (ZipEntry entry : Collections.list(zip.entries())) {
                if (entry.isDirectory()) {
                    continue;
                }
                String name = entry.getName();
                if (!name.endsWith(".npy")) {
                    throw malformed(file, "entry '" + name + "' is not an .npy array; an .npz holds only those");
                }
                long size = entry.getSize();
                long compressed = entry.getCompressedSize();
                if (size < 0 || compressed < 0 || compressed > fileSize
                        || (entry.getMethod() == ZipEntry.STORED && size != compressed)
                        || size > compressed * MAX_DEFLATE_RATIO + 1024) {
                    throw malformed(file, "entry '" + name + "' declares " + size + " bytes from " + compressed
                            + " compressed in a file of " + fileSize + "; the zip is corrupt");
                }
                String key = name.substring(0, name.length() - ".npy".length());
                entries.put(key, () -> readNpzEntry(file, name, size));
            }
        } catch (ZipException e) {
            throw malformed(file, "not a readable zip (" + e.getMessage() + "); truncated or corrupt .npz");
        }
        return entries;
    }

    private static Tensor readNpzEntry(Path file, String name, long size) throws IOException {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            ZipEntry entry = zip.getEntry(name);
            if (entry == null) {
                throw malformed(file, "entry '" + name + "' has disappeared; was the file replaced?");
            }
            try (InputStream in = zip.getInputStream(entry)) {
                return Npy.read(file + "!" + name, new StreamChannel(in, size));
            }
        } catch (ZipException | EOFException e) {
            throw malformed(file, "entry '" + name + "' cannot be read (" + e.getMessage() + "); truncated or corrupt");
        }
    }

    /** A zip entry's stream seen as a channel of its declared length, read front to back. */
    private static final class StreamChannel implements SeekableByteChannel {
        private final InputStream in;
        private final long size;
        private long position;
        private boolean open = true;

        StreamChannel(InputStream in, long size) {
            this.in = in;
            this.size = size;
        }

        @Override
        public int read(ByteBuffer target) throws IOException {
            int wanted = target.remaining();
            if (wanted == 0) {
                return 0;
            }
            byte[] bytes = new byte[Math.min(wanted, CHUNK_BYTES)];
            int n = in.read(bytes);
            if (n < 0) {
                return -1;
            }
            target.put(bytes, 0, n);
            position += n;
            return n;
        }

        @Override
        public long position() {
            return position;
        }

        @Override
        public long size() {
            return size;
        }

        @Override
        public SeekableByteChannel position(long newPosition) {
            throw new UnsupportedOperationException("a zip entry is read front to back");
        }

        @Override
        public int write(ByteBuffer source) {
            throw new NonWritableChannelException();
        }

        @Override
        public SeekableByteChannel truncate(long newSize) {
            throw new NonWritableChannelException();
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        @Override
        public void close() {
            open = false;
        }
    }

    private static IllegalArgumentException malformed(Path file, String problem) {
        return new IllegalArgumentException(file + ": " + problem);
    }
}
