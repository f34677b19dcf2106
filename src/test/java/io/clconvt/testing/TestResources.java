package io.clconvt.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A folder of the library's test resources (src/test/resources) as files on disk, which a {@link Path} can open
 * and a command line can be given. In the library's own build that is target/test-classes; the command line's
 * build in cli/ reads them from the library's test-jar, so there the folder is copied out of the jar once per
 * JVM, into a temporary folder deleted when the JVM exits.
 */
public final class TestResources {
    private static final Map<String, Path> COPIES = new HashMap<>();
    private static Path root;

    private TestResources() {
    }

    /** The folder {@code name} of src/test/resources, e.g. {@code "npy"}. */
    public static synchronized Path folder(String name) {
        Path source = classesRoot();
        if (Files.isDirectory(source)) {
            return source.resolve(name);
        }
        return COPIES.computeIfAbsent(name, TestResources::copyOut);
    }

    /** Where this class was loaded from: the test classes folder, or the test-jar. */
    private static Path classesRoot() {
        try {
            return Path.of(TestResources.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path copyOut(String name) {
        try (FileSystem jar = FileSystems.newFileSystem(classesRoot())) {
            if (root == null) {
                root = Files.createTempDirectory("clconvt-test-resources");
                Path created = root;
                Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(created)));
            }
            Path from = jar.getPath("/", name);
            if (!Files.isDirectory(from)) {
                throw new IllegalArgumentException("no folder " + name + " in " + classesRoot());
            }
            Path to = root.resolve(name);
            try (Stream<Path> files = Files.walk(from)) {
                for (Path file : files.toList()) {
                    Path target = to.resolve(from.relativize(file).toString());
                    if (Files.isDirectory(file)) {
                        Files.createDirectories(target);
                    } else {
                        Files.copy(file, target);
                    }
                }
            }
            return to;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy the test resources " + name + " out of " + classesRoot(), e);
        }
    }

    private static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            // a leftover temporary folder is harmless
        }
    }
}
