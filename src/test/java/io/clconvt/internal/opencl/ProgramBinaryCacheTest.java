package io.clconvt.internal.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clconvt.testing.ChildJvm;
import io.clconvt.testing.OpenClSupport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The library's program binary cache: on disk (keys, corrupt files, the bound, the switch, an unwritable
 * directory) and through OpenCL, where each build runs in a fresh child JVM as a second process would.
 */
class ProgramBinaryCacheTest {
    private static final List<String> DEVICE = List.of("device", "vendor", "OpenCL 3.0", "driver 1");
    private static final long CHILD_TIMEOUT_SECONDS = 120;

    @TempDir
    Path dir;

    // --- through OpenCL, in child JVMs ---

    @Test
    void aSecondProcessLoadsTheBinaryTheFirstStored() throws Exception {
        requireDevice();
        ChildJvm.Result first = child("2");
        assertEquals(List.of("[3.0, 4.0, 5.0, 6.0]"), first.lines("result "), first.toString());
        assertEquals(List.of("0"), first.lines("loads "), first.toString());
        assertEquals(List.of("1"), first.lines("stores "), first.toString());
        assertEquals(1, binaries().size(), "one file per program");

        ChildJvm.Result second = child("2");
        assertEquals(List.of("[3.0, 4.0, 5.0, 6.0]"), second.lines("result "), second.toString());
        assertEquals(List.of("1"), second.lines("loads "), "the second process built from the binary: " + second);
        assertEquals(List.of("0"), second.lines("stores "), second.toString());
    }

    @Test
    void anotherSourceIsAnotherEntry() throws Exception {
        requireDevice();
        child("2");
        ChildJvm.Result other = child("5");
        assertEquals(List.of("[6.0, 7.0, 8.0, 9.0]"), other.lines("result "), other.toString());
        assertEquals(List.of("0"), other.lines("loads "), "another source found the first one's binary: " + other);
        assertEquals(2, binaries().size());
    }

    @Test
    void aBinaryTheDriverRejectsIsDeletedAndTheProgramBuiltFromSource() throws Exception {
        requireDevice();
        child("2");
        Path file = binaries().get(0);
        byte[] garbage = new byte[4096];
        Arrays.fill(garbage, (byte) 0x5a);
        // A well-formed entry whose payload is no binary of any driver: only the driver can reject it.
        new ProgramBinaryCache(dir, 10, 1L << 30).store(key(file), garbage);

        ChildJvm.Result rejected = child("2");
        assertEquals(List.of("[3.0, 4.0, 5.0, 6.0]"), rejected.lines("result "), rejected.toString());
        assertEquals(List.of("1"), rejected.lines("loads "), rejected.toString());
        assertEquals(List.of("1"), rejected.lines("stores "), "the rebuilt program's binary replaces it: " + rejected);
        assertFalse(Arrays.equals(garbage, new ProgramBinaryCache(dir, 10, 1L << 30).load(key(file))));
        assertEquals(List.of("1"), child("2").lines("loads "), "the replacement loads");
    }

    @Test
    void aTruncatedFileIsDeletedAndTheProgramBuiltFromSource() throws Exception {
        requireDevice();
        child("2");
        Path file = binaries().get(0);
        byte[] content = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(content, content.length / 2));

        ChildJvm.Result truncated = child("2");
        assertEquals(List.of("[3.0, 4.0, 5.0, 6.0]"), truncated.lines("result "), truncated.toString());
        assertEquals(List.of("0"), truncated.lines("loads "), "a truncated file reached the driver: " + truncated);
        assertEquals(List.of("1"), truncated.lines("stores "), truncated.toString());
        assertArrayEquals(content, Files.readAllBytes(file), "the same build stores the same binary again");
    }

    // --- on disk ---

    @Test
    void everyPartOfTheKeyChangesIt() {
        String key = ProgramBinaryCache.key(DEVICE, "-DK=16", "kernel void f() {}");
        assertEquals(64, key.length());
        assertEquals(key, ProgramBinaryCache.key(List.copyOf(DEVICE), "-DK=16", "kernel void f() {}"));
        assertNotEquals(key, ProgramBinaryCache.key(DEVICE, "-DK=8", "kernel void f() {}"), "options");
        assertNotEquals(key, ProgramBinaryCache.key(DEVICE, "-DK=16", "kernel void g() {}"), "source");
        for (int i = 0; i < DEVICE.size(); i++) {
            String[] other = DEVICE.toArray(String[]::new);
            other[i] += "x";
            assertNotEquals(key, ProgramBinaryCache.key(List.of(other), "-DK=16", "kernel void f() {}"), DEVICE.get(i));
        }
        // Moving text from the options into the source is another program, though the concatenation is equal.
        assertNotEquals(ProgramBinaryCache.key(DEVICE, "-DA ", "x"), ProgramBinaryCache.key(DEVICE, "-DA", " x"));
    }

    @Test
    void aStoredBinaryLoadsBackAndMarksItsFileUsed() throws IOException {
        ProgramBinaryCache cache = new ProgramBinaryCache(dir, 10, 1L << 20);
        byte[] binary = {1, 2, 3, 4, 5};
        cache.store("k", binary);
        Files.setLastModifiedTime(cache.file("k"), FileTime.fromMillis(1_000_000));
        assertArrayEquals(binary, cache.load("k"));
        assertTrue(Files.getLastModifiedTime(cache.file("k")).toMillis() > 1_000_000, "a hit refreshes the mtime");
        assertNull(cache.load("missing"));
        assertEquals(1, cache.loads());
        assertEquals(1, cache.stores());
        assertEquals(List.of(cache.file("k")), binaries(), "no temporary file is left behind");
    }

    @Test
    void aCorruptFileIsDeleted() throws IOException {
        ProgramBinaryCache cache = new ProgramBinaryCache(dir, 10, 1L << 20);
        cache.store("k", new byte[] {1, 2, 3, 4, 5});
        byte[] content = Files.readAllBytes(cache.file("k"));
        content[content.length - 1] ^= 1;
        Files.write(cache.file("k"), content);
        assertNull(cache.load("k"));
        assertFalse(Files.exists(cache.file("k")));

        Files.write(cache.file("k"), new byte[] {1, 2});
        assertNull(cache.load("k"), "a file shorter than the header");
        assertFalse(Files.exists(cache.file("k")));
        assertEquals(0, cache.loads());
    }

    @Test
    void theLeastRecentlyUsedFilesGoBeyondTheBound() throws IOException {
        ProgramBinaryCache byCount = new ProgramBinaryCache(dir.resolve("count"), 3, 1L << 20);
        for (int i = 0; i < 3; i++) {
            byCount.store("k" + i, new byte[] {(byte) i});
            Files.setLastModifiedTime(byCount.file("k" + i), FileTime.fromMillis(1_000_000L * (i + 1)));
        }
        byCount.load("k0"); // now the most recently used
        byCount.store("k3", new byte[] {3});
        assertTrue(Files.exists(byCount.file("k0")));
        assertFalse(Files.exists(byCount.file("k1")), "the least recently used goes");
        assertTrue(Files.exists(byCount.file("k2")));
        assertTrue(Files.exists(byCount.file("k3")));

        // Each file: a header of 58 bytes and a payload of 100; three fit in 400 bytes, not four.
        ProgramBinaryCache byBytes = new ProgramBinaryCache(dir.resolve("bytes"), 100, 400);
        for (int i = 0; i < 4; i++) {
            byBytes.store("k" + i, new byte[100]);
            Files.setLastModifiedTime(byBytes.file("k" + i), FileTime.fromMillis(1_000_000L * (i + 1)));
        }
        byBytes.store("k4", new byte[100]);
        try (Stream<Path> files = Files.list(dir.resolve("bytes"))) {
            assertEquals(2, files.count(), "two files of 158 bytes fit in 400 bytes, three do not");
        }
        assertTrue(Files.exists(byBytes.file("k4")));
        assertTrue(Files.exists(byBytes.file("k3")));
    }

    @Test
    void offTurnsItOffAndThePropertyWinsOverTheEnvironment() {
        assertNull(ProgramBinaryCache.configuredDirectory("off", "/e", "/x", "/h"));
        assertNull(ProgramBinaryCache.configuredDirectory(null, "OFF", "/x", "/h"));
        assertEquals(Path.of("/p"), ProgramBinaryCache.configuredDirectory("/p", "off", "/x", "/h"));
        assertEquals(Path.of("/e"), ProgramBinaryCache.configuredDirectory(null, "/e", "/x", "/h"));
        assertEquals(Path.of("/x/clconvt/programs"), ProgramBinaryCache.configuredDirectory(null, null, "/x", "/h"));
        assertEquals(Path.of("/h/.cache/clconvt/programs"), ProgramBinaryCache.configuredDirectory("", null, null, "/h"));

        ProgramBinaryCache off = new ProgramBinaryCache(null, 10, 100);
        assertFalse(off.enabled());
        off.store("k", new byte[] {1});
        assertNull(off.load("k"));
        assertEquals(0, off.stores());
    }

    @Test
    void poclUsesItOnlyWhenADirectoryIsSetExplicitly() {
        String pocl = "Portable Computing Language";
        assertFalse(ProgramBinaryCache.usedOn(pocl, null, null), "POCL keeps its own cache");
        assertFalse(ProgramBinaryCache.usedOn(pocl, " ", ""));
        assertTrue(ProgramBinaryCache.usedOn(pocl, "/p", null));
        assertTrue(ProgramBinaryCache.usedOn(pocl, null, "/e"));
        assertTrue(ProgramBinaryCache.usedOn("NVIDIA CUDA", null, null));
        assertTrue(ProgramBinaryCache.usedOn("AMD Accelerated Parallel Processing", null, null));
    }

    @Test
    void anUnwritableDirectoryTurnsTheCacheOffWithoutFailing() throws IOException {
        Path notADirectory = Files.writeString(dir.resolve("file"), "x");
        ProgramBinaryCache cache = new ProgramBinaryCache(notADirectory.resolve("programs"), 10, 100);
        assertTrue(cache.enabled());
        cache.store("k", new byte[] {1});
        assertFalse(cache.enabled(), "the first failed write turns it off");
        assertEquals(0, cache.stores());
        assertNull(cache.load("k"));
    }

    @Test
    void boundsMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new ProgramBinaryCache(dir, 0, 100));
        assertThrows(IllegalArgumentException.class, () -> new ProgramBinaryCache(dir, 10, 0));
    }

    private static void requireDevice() {
        OpenClSupport.backend().close();
    }

    private ChildJvm.Result child(String addend) throws IOException, InterruptedException {
        ChildJvm.Result result = ChildJvm.run(CHILD_TIMEOUT_SECONDS, List.of(), ProgramBinaryCacheChild.class,
                dir.toString(), addend);
        assertEquals(0, result.exitCode(), result.toString());
        return result;
    }

    private List<Path> binaries() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(file -> file.getFileName().toString().endsWith(".bin")).sorted().toList();
        }
    }

    private static String key(Path file) {
        String name = file.getFileName().toString();
        return name.substring(0, name.length() - ".bin".length());
    }
}
