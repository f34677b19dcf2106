package io.clconvt.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clconvt.DType;
import io.clconvt.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Reading state dicts: the fixtures PyTorch wrote ({@code src/test/resources/statedict/make_fixtures.py}), the
 * F16/BF16 widening, offsets beyond 2 GiB, and every kind of malformed file, each of which must be an
 * IllegalArgumentException naming the problem.
 */
class StateDictTest {
    @TempDir
    Path dir;

    static Path fixture(String name) {
        try {
            return Path.of(StateDictTest.class.getResource("/statedict/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final List<String> UPSAMPLER_KEYS = List.of("ups.0.bias", "ups.0.weight_g", "ups.0.weight_v",
            "ups.1.bias", "ups.1.weight_g", "ups.1.weight_v", "post.weight", "post.bias");

    @Test
    void safetensorsAndNpzOfOneStateDictHoldTheSameTensors() throws IOException {
        StateDict safetensors = StateDict.read(fixture("upsampler_weight_norm.safetensors"));
        StateDict deflated = StateDict.read(fixture("upsampler_weight_norm.npz"));
        assertEquals(UPSAMPLER_KEYS, List.copyOf(safetensors.keys()));
        assertEquals(Set.copyOf(UPSAMPLER_KEYS), deflated.keys());
        for (String key : UPSAMPLER_KEYS) {
            Tensor a = safetensors.get(key);
            Tensor b = deflated.get(key);
            assertEquals(DType.FLOAT32, a.dtype(), key);
            assertArrayEquals(b.shape(), a.shape(), key);
            assertArrayEquals(b.toFloatArray(), a.toFloatArray(), key);
        }
        assertArrayEquals(new int[] {16, 8, 16}, safetensors.get("ups.0.weight_v").shape());
        assertArrayEquals(new int[] {16, 1, 1}, safetensors.get("ups.0.weight_g").shape());
    }

    @Test
    void storedNpzReadsLikeItsSafetensorsTwin() throws IOException {
        StateDict stored = StateDict.read(fixture("upsampler_parametrizations.npz"));
        StateDict safetensors = StateDict.read(fixture("upsampler_parametrizations.safetensors"));
        assertEquals(safetensors.keys(), stored.keys());
        String key = "ups.1.parametrizations.weight.original1";
        assertTrue(stored.keys().contains(key), stored.keys().toString());
        assertArrayEquals(safetensors.get(key).toFloatArray(), stored.get(key).toFloatArray());
    }

    @Test
    void missingKeyNamesItAndTheKeysThatExist() throws IOException {
        StateDict dict = StateDict.read(fixture("upsampler_weight_norm.safetensors"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> dict.get("ups.2.weight"));
        assertTrue(e.getMessage().contains("'ups.2.weight'") && e.getMessage().contains("ups.1.weight_v"),
                e.getMessage());
    }

    @Test
    void halfAndBfloat16AreWidenedAsPyTorchDoes() throws IOException {
        StateDict dict = StateDict.read(fixture("halves.safetensors"));
        for (String name : List.of("f16", "bf16")) {
            Tensor widened = dict.get(name);
            Tensor expected = dict.get(name + "_as_f32");
            assertEquals(DType.FLOAT32, widened.dtype());
            assertArrayEquals(expected.shape(), widened.shape());
            float[] a = widened.toFloatArray();
            float[] b = expected.toFloatArray();
            for (int i = 0; i < a.length; i++) {
                assertTrue(Float.isNaN(b[i]) ? Float.isNaN(a[i]) : Float.floatToIntBits(a[i]) == Float.floatToIntBits(b[i]),
                        name + "[" + i + "] = " + a[i] + ", PyTorch says " + b[i]);
            }
        }
    }

    /** Every one of the 65,536 half values, widened as checkpoints widen them, against its definition in double. */
    @Test
    void everyHalfValueMatchesItsDefinition() {
        for (int bits = 0; bits < 0x10000; bits++) {
            int sign = bits >>> 15;
            int exponent = (bits >>> 10) & 0x1F;
            int mantissa = bits & 0x3FF;
            double magnitude = exponent == 0x1F ? (mantissa == 0 ? Double.POSITIVE_INFINITY : Double.NaN)
                    : exponent == 0 ? Math.scalb((double) mantissa, -24)
                    : Math.scalb(1 + mantissa / 1024.0, exponent - 15);
            double expected = sign == 1 ? -magnitude : magnitude;
            float actual = Tensor.ofFloat16Bits(new short[] {(short) bits}, 1).toFloatArray()[0];
            if (Double.isNaN(expected)) {
                assertTrue(Float.isNaN(actual), Integer.toHexString(bits));
            } else {
                assertEquals(Double.doubleToLongBits(expected), Double.doubleToLongBits(actual),
                        "half 0x" + Integer.toHexString(bits));
            }
        }
        assertEquals(1.0f, Tensor.ofBfloat16Bits(new short[] {(short) 0x3F80}, 1).toFloatArray()[0]);
        assertEquals((float) -Math.scalb(2 - 0x1p-7, 127),
                Tensor.ofBfloat16Bits(new short[] {(short) 0xFF7F}, 1).toFloatArray()[0]);
    }

    @Test
    void float64EntriesStayFloat64() throws IOException {
        Path file = safetensors(dir.resolve("f64.safetensors"),
                "{\"x\":{\"dtype\":\"F64\",\"shape\":[3],\"data_offsets\":[0,24]}}", doubles(1.5, -2.25, 1e300));
        Tensor x = StateDict.read(file).get("x");
        assertEquals(DType.FLOAT64, x.dtype());
        assertArrayEquals(new double[] {1.5, -2.25, 1e300}, x.toDoubleArray());
    }

    /**
     * A sparse file of just over 2 GiB (no disk is used for the hole): the last tensor starts past 2^31, so any
     * int offset arithmetic or single mapped buffer would fail.
     */
    @Test
    void tensorsBeyondTwoGibibytesAreRead() throws IOException {
        long padBytes = (1L << 31) + 64;
        String header = "{\"pad\":{\"dtype\":\"F32\",\"shape\":[" + padBytes / 4 + "],\"data_offsets\":[0," + padBytes
                + "]},\"tail\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[" + padBytes + "," + (padBytes + 8)
                + "]}}";
        Path file = dir.resolve("large.safetensors");
        byte[] start = preamble(header);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.write(start);
            raf.setLength(start.length + padBytes + 8);
            raf.seek(start.length + padBytes);
            raf.write(floats(3.5f, -7f));
        }
        StateDict dict = StateDict.read(file);
        assertEquals(List.of("pad", "tail"), List.copyOf(dict.keys()));
        assertArrayEquals(new float[] {3.5f, -7f}, dict.get("tail").toFloatArray());
    }

    // ---- malformed files: each an IllegalArgumentException naming the problem ----

    private static final String ONE = "{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";

    private void assertMalformed(Path file, String expectedFragment) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> {
            StateDict dict = StateDict.read(file);
            dict.keys().forEach(dict::get);
        });
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains(expectedFragment),
                "message: " + e.getMessage());
    }

    @Test
    void truncatedData() throws IOException {
        Path file = safetensors(dir.resolve("t.safetensors"), ONE, floats(1));
        assertMalformed(file, "outside the 4 bytes of data");
        safetensors(file, ONE, floats(1, 2, 3));
        assertMalformed(file, "the tensors cover 8 bytes of data but the file holds 12");
    }

    @Test
    void shorterThanTheHeaderLength() throws IOException {
        Path file = dir.resolve("tiny.safetensors");
        Files.write(file, new byte[] {1, 0, 0});
        assertMalformed(file, "truncated");
    }

    @Test
    void headerLengthBeyondTheFile() throws IOException {
        byte[] bytes = preamble(ONE);
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1L << 40);
        Path file = Files.write(dir.resolve("h.safetensors"), bytes);
        assertMalformed(file, "runs beyond the end of the file");
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, -1L);
        Files.write(file, bytes);
        assertMalformed(file, "header length 18446744073709551615");
    }

    @Test
    void overlappingOffsets() throws IOException {
        Path file = safetensors(dir.resolve("o.safetensors"),
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", floats(1, 2, 3));
        assertMalformed(file, "overlaps");
    }

    @Test
    void offsetsOutOfRange() throws IOException {
        Path file = safetensors(dir.resolve("r.safetensors"),
                "{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", floats(1, 2));
        assertMalformed(file, "outside the 8 bytes of data");
        safetensors(file, "{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", floats(1, 2));
        assertMalformed(file, "outside");
        safetensors(file, "{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,9223372036854775807000]}}",
                floats(1, 2));
        assertMalformed(file, "outside");
    }

    @Test
    void gapsInTheData() throws IOException {
        Path file = safetensors(dir.resolve("g.safetensors"),
                "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", floats(1, 2));
        assertMalformed(file, "belong to no tensor");
    }

    @ParameterizedTest
    @ValueSource(strings = {"I32", "U8", "F8_E4M3", "Q4", "f32"})
    void unknownDtype(String dtype) throws IOException {
        Path file = safetensors(dir.resolve("d.safetensors"),
                "{\"x\":{\"dtype\":\"" + dtype + "\",\"shape\":[2],\"data_offsets\":[0,8]}}", floats(1, 2));
        assertMalformed(file, "dtype " + dtype + ", which is not supported");
    }

    @Test
    void shapeThatDoesNotMatchTheByteCount() throws IOException {
        Path file = safetensors(dir.resolve("s.safetensors"),
                "{\"x\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", floats(1, 2));
        assertMalformed(file, "has shape [3] of F32, which is 12 bytes, but data_offsets [0, 8] hold 8");
        safetensors(file, "{\"x\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]}}",
                floats(1, 2));
        assertMalformed(file, "dimension beyond");
        safetensors(file, "{\"x\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", floats(1, 2));
        assertMalformed(file, "non-negative integers");
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"x\":", "[1,2]", "{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
            + "\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", "{\"x\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
            + "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]}",
            "{\"x\":{\"dtype\":\"F32\"}}", "{\"x\":7}", "\u00ff\u00fe"})
    void malformedHeader(String header) throws IOException {
        Path file = safetensors(dir.resolve("j.safetensors"), header, floats(1, 2));
        assertMalformed(file, "");
    }

    @Test
    void truncatedNpz() throws IOException {
        byte[] whole = Files.readAllBytes(fixture("upsampler_weight_norm.npz"));
        Path file = Files.write(dir.resolve("t.npz"), Arrays.copyOf(whole, whole.length / 2));
        assertMalformed(file, "");
        // Cut inside the central directory: the zip's index is there but broken.
        Files.write(file, Arrays.copyOf(whole, whole.length - 30));
        assertMalformed(file, "");
    }

    @Test
    void npzWithSomethingOtherThanArrays() throws IOException {
        Path file = zip(dir.resolve("n.npz"), ZipEntry.DEFLATED, "readme.txt", "hello".getBytes(StandardCharsets.UTF_8));
        assertMalformed(file, "'readme.txt' is not an .npy array");
    }

    @Test
    void npzWithABrokenArray() throws IOException {
        ByteArrayOutputStream npy = new ByteArrayOutputStream();
        Path single = dir.resolve("a.npy");
        Npy.write(single, Tensor.of(new float[] {1, 2, 3, 4}, 4));
        byte[] bytes = Files.readAllBytes(single);
        npy.write(bytes, 0, bytes.length - 4);
        for (int method : new int[] {ZipEntry.STORED, ZipEntry.DEFLATED}) {
            Path file = zip(dir.resolve("b" + method + ".npz"), method, "a.npy", npy.toByteArray());
            assertMalformed(file, "truncated");
        }
    }

    @Test
    void notAStateDictAtAll() throws IOException {
        Path file = Files.write(dir.resolve("x.bin"), "this is not a checkpoint".getBytes(StandardCharsets.UTF_8));
        assertMalformed(file, "runs beyond the end of the file");
    }

    // ---- writing test files ----

    static byte[] preamble(String header) {
        byte[] json = header.getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer buffer = ByteBuffer.allocate(8 + json.length).order(ByteOrder.LITTLE_ENDIAN);
        return buffer.putLong(json.length).put(json).array();
    }

    static Path safetensors(Path file, String header, byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(preamble(header));
        out.write(data);
        return Files.write(file, out.toByteArray());
    }

    static byte[] floats(float... values) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            buffer.putFloat(v);
        }
        return buffer.array();
    }

    static byte[] doubles(double... values) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (double v : values) {
            buffer.putDouble(v);
        }
        return buffer.array();
    }

    private static Path zip(Path file, int method, String name, byte[] content) throws IOException {
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
            ZipEntry entry = new ZipEntry(name);
            entry.setMethod(method);
            if (method == ZipEntry.STORED) {
                java.util.zip.CRC32 crc = new java.util.zip.CRC32();
                crc.update(content);
                entry.setSize(content.length);
                entry.setCompressedSize(content.length);
                entry.setCrc(crc.getValue());
            }
            zip.putNextEntry(entry);
            zip.write(content);
            zip.closeEntry();
        }
        return file;
    }
}
