package io.clconvt.io;

import static java.nio.file.StandardCopyOption.ATOMIC_MOVE;
import static java.nio.file.StandardCopyOption.REPLACE_EXISTING;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

import io.clconvt.DType;
import io.clconvt.Tensor;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;

/**
 * Reads and writes NumPy {@code .npy} files of float32 ({@code '<f4'}), float64 ({@code '<f8'}) and
 * float16 ({@code '<f2'}, as {@link DType#FLOAT16}) arrays in C order, as {@code np.save} writes and
 * {@code np.load} reads them. numpy has no bfloat16, so a {@link DType#BFLOAT16} tensor is not written.
 *
 * <p>Reading accepts format versions 1.0, 2.0 and 3.0 and any rank, including 0-d arrays. Everything
 * else (other dtypes, big-endian data, Fortran order, malformed or inconsistent headers) is refused
 * with an {@link NpyFormatException} naming the file and the problem. The header is checked against
 * the file's size before any array is allocated, so a corrupt header cannot make the reader allocate
 * gigabytes. There is deliberately no {@code InputStream} variant: a stream's length is unknown, so
 * that check would be impossible.
 *
 * <p>Writing produces version 1.0 files (2.0 only for headers over 64 KiB, as numpy does) and replaces
 * the target atomically, so a failed write never leaves a partial file behind.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** numpy pads the header so the data starts at a multiple of this, which keeps arrays mmap-aligned. */
    private static final int ALIGNMENT = 64;
    /** The largest header a version 1.0 file can hold (its length field is 2 bytes). */
    private static final int MAX_V1_HEADER_BYTES = 0xFFFF;
    /**
     * Headers beyond this are refused rather than read: numpy's own headers are under 200 bytes for any
     * sensible rank, and numpy refuses those over 10000 bytes by default.
     */
    private static final int MAX_HEADER_BYTES = 1 << 20;
    /** Data moves through a buffer of this size, so reading and writing need no second full-size copy. */
    private static final int CHUNK_BYTES = 1 << 20;
    private static final Set<String> HEADER_KEYS = Set.of("descr", "fortran_order", "shape");

    private Npy() {
    }

    /**
     * Reads a float32, float64 or float16 array.
     *
     * @throws NpyFormatException if the file is not a .npy file of a supported kind, or its data is
     *     shorter than its header says
     * @throws IOException if the file cannot be read, e.g. {@link java.nio.file.NoSuchFileException}
     */
    public static Tensor read(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        try (FileChannel channel = FileChannel.open(file, READ)) {
            return new Reader(file.toString(), channel).read();
        }
    }

    /**
     * Reads one array from {@code channel}, whose {@code size()} bounds what the header may claim (an
     * {@code .npz} entry's declared length); {@code name} starts every error message.
     */
    static Tensor read(String name, SeekableByteChannel channel) throws IOException {
        return new Reader(name, channel).read();
    }

    /**
     * Writes {@code tensor} as a version 1.0 .npy file, replacing {@code file} if it exists. The data
     * goes to a hidden temporary file in the same directory, which is synced and then renamed over
     * {@code file}; on failure the temporary file is removed and {@code file} is left as it was.
     *
     * @throws IllegalArgumentException for a BFLOAT16 tensor, which numpy has no dtype for
     */
    public static void write(Path file, Tensor tensor) throws IOException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(tensor, "tensor");
        if (tensor.dtype() == DType.BFLOAT16) {
            throw new IllegalArgumentException("numpy has no bfloat16 dtype to write " + tensor + " as; convert it"
                    + " with to(DType.FLOAT32) first");
        }
        byte[] preambleAndHeader = preambleAndHeader(tensor);
        Path temp = file.resolveSibling("." + file.getFileName() + "."
                + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
        try {
            // CREATE_NEW rather than Files.createTempFile: the latter makes the file owner-only (0600),
            // which the output would keep after the rename.
            try (FileChannel channel = FileChannel.open(temp, CREATE_NEW, WRITE)) {
                writeFully(channel, ByteBuffer.wrap(preambleAndHeader));
                writeData(channel, tensor);
                // On disk before the rename, so a crash cannot publish a file whose data never arrived.
                channel.force(false);
            }
            Files.move(temp, file, ATOMIC_MOVE, REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    /** Magic, version, header length and the space-padded header ending in '\n', 64-byte aligned. */
    private static byte[] preambleAndHeader(Tensor tensor) {
        int[] shape = tensor.shape();
        String tuple = shape.length == 1 ? "(" + shape[0] + ",)"
                : Arrays.stream(shape).mapToObj(Integer::toString).collect(Collectors.joining(", ", "(", ")"));
        String dict = "{'descr': '" + descr(tensor.dtype()) + "', 'fortran_order': False, 'shape': " + tuple + ", }";
        int version = dict.length() + ALIGNMENT <= MAX_V1_HEADER_BYTES ? 1 : 2;
        int preamble = MAGIC.length + 2 + (version == 1 ? 2 : 4);
        int unpadded = preamble + dict.length() + 1; // + the closing '\n'
        int padding = (ALIGNMENT - unpadded % ALIGNMENT) % ALIGNMENT;
        byte[] header = (dict + " ".repeat(padding) + "\n").getBytes(StandardCharsets.US_ASCII);

        ByteBuffer out = ByteBuffer.allocate(preamble + header.length).order(ByteOrder.LITTLE_ENDIAN);
        out.put(MAGIC).put((byte) version).put((byte) 0);
        if (version == 1) {
            out.putShort((short) header.length);
        } else {
            out.putInt(header.length);
        }
        return out.put(header).array();
    }

    private static String descr(DType dtype) {
        return switch (dtype) {
            case FLOAT32 -> "<f4";
            case FLOAT64 -> "<f8";
            case FLOAT16 -> "<f2";
            case BFLOAT16 -> throw new IllegalArgumentException("numpy has no bfloat16 dtype");
        };
    }

    private static void writeData(FileChannel channel, Tensor tensor) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        if (tensor.dtype() == DType.FLOAT16) {
            short[] data = tensor.toHalfBits();
            forEachRun(data.length, Short.BYTES, (first, count) -> {
                chunk.clear().limit(count * Short.BYTES);
                chunk.asShortBuffer().put(data, first, count);
                writeFully(channel, chunk);
            });
        } else if (tensor.dtype() == DType.FLOAT32) {
            float[] data = tensor.toFloatArray();
            forEachRun(data.length, Float.BYTES, (first, count) -> {
                chunk.clear().limit(count * Float.BYTES);
                chunk.asFloatBuffer().put(data, first, count);
                writeFully(channel, chunk);
            });
        } else {
            double[] data = tensor.toDoubleArray();
            forEachRun(data.length, Double.BYTES, (first, count) -> {
                chunk.clear().limit(count * Double.BYTES);
                chunk.asDoubleBuffer().put(data, first, count);
                writeFully(channel, chunk);
            });
        }
    }

    /** One run of consecutive elements, small enough for one chunk. */
    @FunctionalInterface
    private interface RunAction {
        void apply(int first, int count) throws IOException;
    }

    /** Splits {@code elements} into consecutive runs of at most one chunk's bytes each. */
    private static void forEachRun(int elements, int elementBytes, RunAction action) throws IOException {
        int perChunk = CHUNK_BYTES / elementBytes;
        for (int first = 0; first < elements; first += perChunk) {
            action.apply(first, Math.min(perChunk, elements - first));
        }
    }

    private static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    /** One read of one file; every failure message starts with the file name. */
    private static final class Reader {
        private final String file;
        private final SeekableByteChannel channel;

        Reader(String file, SeekableByteChannel channel) {
            this.file = file;
            this.channel = channel;
        }

        Tensor read() throws IOException {
            ByteBuffer start = readExactly(MAGIC.length + 2, "magic string and version");
            byte[] magic = new byte[MAGIC.length];
            start.get(magic);
            if (!Arrays.equals(magic, MAGIC)) {
                throw fail("not a .npy file (it does not start with \\x93NUMPY)");
            }
            int major = Byte.toUnsignedInt(start.get());
            int minor = Byte.toUnsignedInt(start.get());
            if (major < 1 || major > 3 || minor != 0) {
                throw fail("unsupported .npy format version " + major + "." + minor
                        + "; only 1.0, 2.0 and 3.0 are supported");
            }
            long headerLength = major == 1
                    ? Short.toUnsignedInt(readExactly(2, "header length").getShort())
                    : Integer.toUnsignedLong(readExactly(4, "header length").getInt());
            long afterLength = channel.size() - channel.position();
            if (headerLength > afterLength) {
                throw fail("truncated: the header is " + headerLength + " bytes long but only " + afterLength
                        + " bytes follow");
            }
            if (headerLength > MAX_HEADER_BYTES) {
                throw fail("header length " + headerLength + " is implausible (more than " + MAX_HEADER_BYTES
                        + " bytes)");
            }
            ByteBuffer headerBytes = readExactly((int) headerLength, "header");
            // Versions 1.0 and 2.0 store the header in Latin-1, 3.0 in UTF-8.
            String header = (major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1)
                    .decode(headerBytes).toString();

            Map<String, Object> dict = HeaderParser.parse(file, header);
            DType dtype = dtype(dict);
            int[] shape = shape(dict);
            return readData(dtype, shape);
        }

        /** The dtype, after checking that the header has exactly the three keys numpy writes. */
        private DType dtype(Map<String, Object> dict) {
            for (String key : HEADER_KEYS) {
                if (!dict.containsKey(key)) {
                    throw fail("malformed header: no '" + key + "' key");
                }
            }
            for (String key : dict.keySet()) {
                if (!HEADER_KEYS.contains(key)) {
                    throw fail("malformed header: unexpected key '" + key + "'; expected only "
                            + "'descr', 'fortran_order' and 'shape'");
                }
            }
            if (!(dict.get("descr") instanceof String descr)) {
                throw fail("dtype " + dict.get("descr") + " is not supported (structured dtypes are not); "
                        + "only float32 '<f4', float64 '<f8' and float16 '<f2'");
            }
            if (!(dict.get("fortran_order") instanceof Boolean fortranOrder)) {
                throw fail("malformed header: 'fortran_order' must be True or False, got "
                        + dict.get("fortran_order"));
            }
            DType dtype = switch (descr) {
                case "<f4" -> DType.FLOAT32;
                case "<f8" -> DType.FLOAT64;
                case "<f2" -> DType.FLOAT16;
                case ">f4", ">f8", ">f2" -> throw fail("dtype '" + descr + "' is big-endian, which is not supported; "
                        + "only little-endian float32 '<f4', float64 '<f8' and float16 '<f2' (convert with a.astype('<"
                        + descr.substring(1) + "'))");
                default -> throw fail("dtype '" + descr + "' is not supported; only float32 '<f4', float64 '<f8'"
                        + " and float16 '<f2'");
            };
            if (fortranOrder) {
                throw fail("Fortran-ordered arrays are not supported; save with np.ascontiguousarray");
            }
            return dtype;
        }

        private int[] shape(Map<String, Object> dict) {
            Object value = dict.get("shape");
            if (!(value instanceof List<?> dims) || !dims.stream().allMatch(BigInteger.class::isInstance)) {
                throw fail("malformed header: 'shape' must be a tuple of integers, got " + value);
            }
            int[] shape = new int[dims.size()];
            // Running product as Tensor checks it: every prefix must fit a Java array.
            BigInteger elements = BigInteger.ONE;
            for (int i = 0; i < shape.length; i++) {
                BigInteger dim = (BigInteger) dims.get(i);
                if (dim.signum() < 0) {
                    throw fail("shape " + dims + " has a negative dimension");
                }
                elements = elements.multiply(dim);
                if (elements.compareTo(BigInteger.valueOf(Integer.MAX_VALUE)) > 0) {
                    throw fail("shape " + dims + " has more elements than a Java array holds ("
                            + Integer.MAX_VALUE + ")");
                }
                shape[i] = dim.intValueExact();
            }
            return shape;
        }

        private Tensor readData(DType dtype, int[] shape) throws IOException {
            int elements = Arrays.stream(shape).reduce(1, Math::multiplyExact);
            long bytes = (long) elements * dtype.byteSize();
            long available = channel.size() - channel.position();
            // Before allocating: a header may claim far more data than the file holds.
            if (available < bytes) {
                throw fail("truncated: header says " + elements + " elements (" + bytes + " bytes) but only "
                        + available + " bytes follow");
            }
            // Bytes after the data are ignored, as np.load ignores them.
            ByteBuffer chunk = ByteBuffer.allocate((int) Math.min(bytes, CHUNK_BYTES)).order(ByteOrder.LITTLE_ENDIAN);
            if (dtype == DType.FLOAT16) {
                short[] data = new short[elements];
                forEachRun(elements, Short.BYTES, (first, count) ->
                        fill(chunk, count * Short.BYTES, "data").asShortBuffer().get(data, first, count));
                return Tensor.ofFloat16Bits(data, shape);
            }
            if (dtype == DType.FLOAT32) {
                float[] data = new float[elements];
                forEachRun(elements, Float.BYTES, (first, count) ->
                        fill(chunk, count * Float.BYTES, "data").asFloatBuffer().get(data, first, count));
                return Tensor.of(data, shape);
            }
            double[] data = new double[elements];
            forEachRun(elements, Double.BYTES, (first, count) ->
                    fill(chunk, count * Double.BYTES, "data").asDoubleBuffer().get(data, first, count));
            return Tensor.of(data, shape);
        }

        private ByteBuffer readExactly(int length, String what) throws IOException {
            return fill(ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN), length, what);
        }

        /** Reads exactly {@code length} bytes into {@code buffer} and flips it for reading. */
        private ByteBuffer fill(ByteBuffer buffer, int length, String what) throws IOException {
            buffer.clear().limit(length);
            while (buffer.hasRemaining()) {
                if (channel.read(buffer) < 0) {
                    throw fail("truncated: the file ends inside the " + what);
                }
            }
            return buffer.flip();
        }

        private NpyFormatException fail(String problem) {
            return new NpyFormatException(file, problem);
        }
    }
}
