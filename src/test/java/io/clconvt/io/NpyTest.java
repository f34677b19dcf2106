package io.clconvt.io;

import static io.clconvt.io.NpyFixtures.floats;
import static io.clconvt.io.NpyFixtures.header;
import static io.clconvt.io.NpyFixtures.npy;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clconvt.DType;
import io.clconvt.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NpyTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"", "7", "2,3", "2,1,4", "1,2,1,3,1"})
    void float32RoundTripsBitExactly(String dims) throws IOException {
        int[] shape = parseShape(dims);
        float[] data = new float[Arrays.stream(shape).reduce(1, Math::multiplyExact)];
        // Values whose bits a lossy or byte-swapping path would change.
        float[] special = {Float.NaN, -0.0f, Float.MIN_VALUE, Float.NEGATIVE_INFINITY, 1.1f, -3.4e38f, 0.1f};
        for (int i = 0; i < data.length; i++) {
            data[i] = special[i % special.length] * (i / special.length + 1);
        }
        Path file = dir.resolve("a.npy");
        Npy.write(file, Tensor.of(data, shape));

        Tensor back = Npy.read(file);
        assertEquals(DType.FLOAT32, back.dtype());
        assertArrayEquals(shape, back.shape());
        assertArrayEquals(data, back.toFloatArray());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "5", "3,2", "2,2,2"})
    void float64RoundTripsBitExactly(String dims) throws IOException {
        int[] shape = parseShape(dims);
        double[] data = new double[Arrays.stream(shape).reduce(1, Math::multiplyExact)];
        double[] special = {Double.NaN, -0.0, Double.MIN_VALUE, Double.POSITIVE_INFINITY, 0.1, -1.7e308};
        for (int i = 0; i < data.length; i++) {
            data[i] = special[i % special.length] * (i / special.length + 1);
        }
        Path file = dir.resolve("a.npy");
        Npy.write(file, Tensor.of(data, shape));

        Tensor back = Npy.read(file);
        assertEquals(DType.FLOAT64, back.dtype());
        assertArrayEquals(shape, back.shape());
        assertArrayEquals(data, back.toDoubleArray());
    }

    @Test
    void largeArraysCrossChunkBoundaries() throws IOException {
        // 300k doubles = 2.4 MB, more than two 1 MiB chunks and not a multiple of one.
        double[] data = new double[300_001];
        for (int i = 0; i < data.length; i++) {
            data[i] = i * 0.5 - 7;
        }
        Path file = dir.resolve("big.npy");
        Npy.write(file, Tensor.of(data, 300_001));
        assertArrayEquals(data, Npy.read(file).toDoubleArray());
    }

    @Test
    void writesNumpysVersion1HeaderLayout() throws IOException {
        Path file = dir.resolve("h.npy");
        Npy.write(file, Tensor.of(new float[] {1, 2, 3, 4, 5}, 5));

        byte[] bytes = Files.readAllBytes(file);
        assertArrayEquals(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}, Arrays.copyOf(bytes, 8));
        int headerLength = ByteBuffer.wrap(bytes, 8, 2).order(ByteOrder.LITTLE_ENDIAN).getShort();
        assertEquals(0, (10 + headerLength) % 64, "data must start 64-byte aligned");
        String header = new String(bytes, 10, headerLength, StandardCharsets.US_ASCII);
        assertEquals("{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }",
                header.substring(0, header.length() - 1).stripTrailing());
        assertTrue(header.endsWith(" \n"), header);
        assertEquals(10 + headerLength + 5 * 4, bytes.length);
        assertEquals(1.0f, ByteBuffer.wrap(bytes, 10 + headerLength, 4).order(ByteOrder.LITTLE_ENDIAN).getFloat());
    }

    @Test
    void writesVersion2WhenTheHeaderOutgrowsVersion1() throws IOException {
        // 22000 dimensions of 1 make a 66 kB shape tuple, beyond version 1.0's 65535-byte header.
        int[] shape = new int[22_000];
        Arrays.fill(shape, 1);
        Path file = dir.resolve("v2.npy");
        Npy.write(file, Tensor.of(new double[] {2.5}, shape));

        byte[] bytes = Files.readAllBytes(file);
        assertEquals(2, bytes[6]);
        int headerLength = ByteBuffer.wrap(bytes, 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        assertEquals(0, (12 + headerLength) % 64);
        Tensor back = Npy.read(file);
        assertArrayEquals(shape, back.shape());
        assertArrayEquals(new double[] {2.5}, back.toDoubleArray());
    }

    @Test
    void readsNumpyFloat32Matrix() throws IOException {
        Tensor t = Npy.read(NpyFixtures.path("f4_2x3.npy"));
        assertEquals(DType.FLOAT32, t.dtype());
        assertArrayEquals(new int[] {2, 3}, t.shape());
        assertArrayEquals(new float[] {-0.5f, -0.25f, 0, 0.25f, 0.5f, 0.75f}, t.toFloatArray());
    }

    @Test
    void readsNumpyFloat32Vector() throws IOException {
        Tensor t = Npy.read(NpyFixtures.path("f4_5.npy"));
        assertArrayEquals(new int[] {5}, t.shape());
        assertArrayEquals(new float[] {1.5f, -2.0f, 0.25f, 1e-3f, 3e38f}, t.toFloatArray());
    }

    @Test
    void readsNumpyFloat16AsFloat16() throws IOException {
        Tensor t = Npy.read(NpyFixtures.path("f2_5.npy"));
        assertEquals(DType.FLOAT16, t.dtype());
        assertArrayEquals(new int[] {5}, t.shape());
        assertArrayEquals(new short[] {0x3e00, (short) 0xc000, 0x7bff, 0x0001, 0x7c00}, t.toHalfBits());
        assertArrayEquals(new float[] {1.5f, -2.0f, 65504f, 0x1p-24f, Float.POSITIVE_INFINITY}, t.toFloatArray());
    }

    @Test
    void float16RoundTripsBitExactlyAndBfloat16IsRefused() throws IOException {
        short[] bits = {0x7e00, (short) 0x8000, 0x0001, (short) 0xfc00, 0x3555, 0x7bff};
        Path file = dir.resolve("h.npy");
        Npy.write(file, Tensor.ofFloat16Bits(bits, 2, 3));
        String header = new String(Files.readAllBytes(file), 0, 64, StandardCharsets.US_ASCII);
        assertTrue(header.contains("'descr': '<f2'"), header);
        Tensor back = Npy.read(file);
        assertEquals(DType.FLOAT16, back.dtype());
        assertArrayEquals(new int[] {2, 3}, back.shape());
        assertArrayEquals(bits, back.toHalfBits());
        Path refused = dir.resolve("b.npy");
        assertThrows(IllegalArgumentException.class, () -> Npy.write(refused, Tensor.ofBfloat16Bits(bits, 6)));
        assertTrue(Files.notExists(refused), "nothing written");
    }

    @Test
    void readsNumpyZeroDimensionalArray() throws IOException {
        Tensor t = Npy.read(NpyFixtures.path("f8_scalar.npy"));
        assertEquals(DType.FLOAT64, t.dtype());
        assertEquals(0, t.rank());
        assertArrayEquals(new double[] {-7.125}, t.toDoubleArray());
    }

    @Test
    void readsNumpyVersion2File() throws IOException {
        Tensor t = Npy.read(NpyFixtures.path("f8_2x2x2_v2.npy"));
        assertArrayEquals(new int[] {2, 2, 2}, t.shape());
        assertArrayEquals(new double[] {-3.5, -2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5}, t.toDoubleArray());
    }

    @Test
    void readsNumpyVersion3File() throws IOException {
        Tensor t = Npy.read(NpyFixtures.path("f8_3_v3.npy"));
        assertArrayEquals(new int[] {3}, t.shape());
        assertArrayEquals(new double[] {0.1, 0.2, 0.3}, t.toDoubleArray());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{'shape': (3,), 'fortran_order': False, 'descr': '<f4'}",
        "{\"descr\":\"<f4\",\"fortran_order\":False,\"shape\":(3,)}",
        "  {  'descr' : '<f4' ,\n 'fortran_order' : False , 'shape' : ( 3 , ) , }  \n",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (3L,), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': [3], }",
    })
    void acceptsHeaderVariantsOtherWritersProduce(String header) throws IOException {
        Path file = write("variant.npy", npy(1, header, floats(1, 2, 3)));
        Tensor t = Npy.read(file);
        assertArrayEquals(new int[] {3}, t.shape());
        assertArrayEquals(new float[] {1, 2, 3}, t.toFloatArray());
    }

    @Test
    void ignoresBytesAfterTheData() throws IOException {
        byte[] data = ByteBuffer.allocate(12).put(floats(4, 5)).putInt(0xdeadbeef).array();
        Tensor t = Npy.read(write("extra.npy", npy(1, header("'<f4'", "(2,)"), data)));
        assertArrayEquals(new float[] {4, 5}, t.toFloatArray());
    }

    @Test
    void rejectsFortranOrder() {
        assertRejected(NpyFixtures.path("fortran_f4_2x3.npy"),
                "Fortran-ordered arrays are not supported; save with np.ascontiguousarray");
    }

    @Test
    void rejectsIntegerDtypeNamingIt() {
        assertRejected(NpyFixtures.path("i4_3.npy"),
                "dtype '<i4' is not supported; only float32 '<f4', float64 '<f8' and float16 '<f2'");
    }

    @Test
    void rejectsBigEndian() {
        assertRejected(NpyFixtures.path("be_f4_3.npy"), "dtype '>f4' is big-endian");
    }

    @Test
    void rejectsStructuredDtype() throws IOException {
        Path file = write("s.npy", npy(1, header("[('a', '<f4')]", "(1,)"), floats(1)));
        assertRejected(file, "is not supported (structured dtypes are not)");
    }

    @Test
    void rejectsBadMagic() throws IOException {
        byte[] bytes = npy(1, header("'<f4'", "(1,)"), floats(1));
        bytes[1] = 'X';
        assertRejected(write("magic.npy", bytes), "not a .npy file");
    }

    @Test
    void rejectsAnEmptyFile() throws IOException {
        assertRejected(write("empty.npy", new byte[0]), "truncated: the file ends inside the magic string");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 4, 0x0101})
    void rejectsUnsupportedVersions(int version) throws IOException {
        byte[] bytes = npy(1, header("'<f4'", "(1,)"), floats(1));
        bytes[6] = (byte) (version & 0xff);
        bytes[7] = (byte) (version >> 8);
        assertRejected(write("version.npy", bytes), "unsupported .npy format version");
    }

    @Test
    void rejectsTruncatedData() throws IOException {
        Path file = write("short.npy", npy(1, header("'<f4'", "(2, 3)"), floats(1, 2)));
        assertRejected(file, "truncated: header says 6 elements (24 bytes) but only 8 bytes follow");
    }

    @Test
    void rejectsAHeaderLengthBeyondTheFile() throws IOException {
        byte[] bytes = npy(2, header("'<f4'", "(1,)"), floats(1));
        ByteBuffer.wrap(bytes, 8, 4).order(ByteOrder.LITTLE_ENDIAN).putInt(0xFFFFFFF0);
        assertRejected(write("hlen.npy", bytes), "truncated: the header is 4294967280 bytes long");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (1,)",
        "{'descr': '<f4' 'fortran_order': False, 'shape': (1,)}",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (1,)} x",
        "{'descr': '<f4, 'fortran_order': False, 'shape': (1,)}",
        "{'descr': '<f4', 'fortran_order': false, 'shape': (1,)}",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (,)}",
        "{descr: '<f4', 'fortran_order': False, 'shape': (1,)}",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'descr': '<f4'}",
        "{'descr': '<f4', 'fortran_order': False}",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'extra': 1}",
        "{'descr': '<f4', 'fortran_order': 0, 'shape': (1,)}",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (1)}",
        "{'descr': '<f4', 'fortran_order': False, 'shape': ('1',)}",
    })
    void rejectsMalformedHeaders(String header) throws IOException {
        assertRejected(write("bad.npy", npy(1, header, floats(1))), "malformed header");
    }

    @Test
    void rejectsNegativeDimensions() throws IOException {
        assertRejected(write("neg.npy", npy(1, header("'<f4'", "(2, -1)"), floats(1))), "negative dimension");
    }

    @ParameterizedTest
    @ValueSource(strings = {"(1099511627776,)", "(100000, 100000)", "(65536, 65536, 0)",
        "(99999999999999999999999999,)"})
    void rejectsShapesBeyondAJavaArray(String shape) throws IOException {
        assertRejected(write("huge.npy", npy(1, header("'<f8'", shape), floats(1, 2))),
                "more elements than a Java array holds");
    }

    @Test
    void rejectsAbsurdShapeThatFitsAnArrayWithoutAllocating() throws IOException {
        // 2^31-1 float32 elements would need 8 GiB; the file has 4 bytes, so this must fail fast.
        Path file = write("absurd.npy", npy(1, header("'<f4'", "(2147483647,)"), floats(1)));
        assertRejected(file,
                "truncated: header says 2147483647 elements (8589934588 bytes) but only 4 bytes follow");
    }

    @Test
    void missingFileIsAnIoError() {
        assertThrows(NoSuchFileException.class, () -> Npy.read(dir.resolve("absent.npy")));
    }

    @Test
    void writeReplacesAnExistingFileAndLeavesNoTemporaryFile() throws IOException {
        Path file = dir.resolve("y.npy");
        Files.write(file, new byte[1000]);
        Npy.write(file, Tensor.of(new float[] {3}, 1));

        assertArrayEquals(new float[] {3}, Npy.read(file).toFloatArray());
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList());
        }
    }

    @Test
    void failedWriteLeavesNoPartialFile() throws IOException {
        // A non-empty directory cannot be replaced by a file, so the final rename fails.
        Path target = dir.resolve("y.npy");
        Files.createDirectory(target);
        Path inside = Files.createFile(target.resolve("keep"));

        assertThrows(FileSystemException.class, () -> Npy.write(target, Tensor.of(new float[] {1}, 1)));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(target), files.toList(), "the temporary file must be removed");
        }
        assertTrue(Files.isDirectory(target));
        assertTrue(Files.exists(inside));
    }

    @Test
    void writtenFileGetsTheUsualPermissionsNotATempFilesOwnerOnlyOnes() throws IOException {
        Assumptions.assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"));
        Path reference = Files.createFile(dir.resolve("reference"));
        Path file = dir.resolve("y.npy");
        Npy.write(file, Tensor.of(new float[] {1}, 1));

        Set<PosixFilePermission> expected = Files.getPosixFilePermissions(reference);
        assertEquals(expected, Files.getPosixFilePermissions(file));
    }

    private Path write(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    private static void assertRejected(Path file, String expectedFragment) {
        NpyFormatException e = assertThrows(NpyFormatException.class, () -> Npy.read(file));
        assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(expectedFragment), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), "messages are one line: " + e.getMessage());
    }

    private static int[] parseShape(String dims) {
        return dims.isEmpty() ? new int[0] : Arrays.stream(dims.split(",")).mapToInt(Integer::parseInt).toArray();
    }
}
