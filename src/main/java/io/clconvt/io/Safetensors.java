package io.clconvt.io;

import static io.clconvt.io.StateDict.CHUNK_BYTES;
import static io.clconvt.io.StateDict.malformed;
import static java.nio.file.StandardOpenOption.READ;

import io.clconvt.DType;
import io.clconvt.Tensor;
import io.clconvt.io.StateDict.Entry;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code .safetensors} reader behind {@link StateDict}: checks the JSON header against the file and returns an
 * entry per tensor that reads its data only when asked.
 */
final class Safetensors {
    /** The safetensors reference implementation refuses headers over 100 MB; so do we. */
    private static final long MAX_HEADER_BYTES = 100_000_000L;

    private Safetensors() {
    }

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

    static Map<String, Entry> entries(Path file, FileChannel channel) throws IOException {
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
}
