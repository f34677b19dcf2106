package io.clconvt.internal.opencl;

import io.clconvt.internal.DeviceCapabilities;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The library's own on-disk cache of compiled program binaries, for drivers that keep none, so that a
 * second process finds a program built already: a binary is stored after a build from source, and a
 * later build of the same source and options for the same device and driver loads it instead.
 *
 * <p>One file per program, named by the SHA-256 of the device's name, vendor, OpenCL version and driver
 * version, the build options and the whole inlined source, so that any change to one of them misses. A
 * file holds a header (magic, payload length, SHA-256 of the payload) before the binary: a truncated or
 * corrupt file is recognised here and deleted before it reaches the driver. Files are written to a
 * temporary name and renamed, so several processes may share the directory. At most {@link #MAX_FILES}
 * files or {@link #MAX_BYTES} bytes are kept: past either, the least recently used (by modification
 * time, which a hit refreshes) go. No failure of the cache fails a build: an unreadable or unwritable
 * directory turns the cache off for the process, with one DEBUG line.
 *
 * <p>Where: the system property {@value #PROPERTY}, else the environment variable {@value #ENVIRONMENT},
 * else {@code $XDG_CACHE_HOME/clconvt/programs}, else {@code ~/.cache/clconvt/programs}; the value
 * {@code off} turns it off. On POCL, which has a cache of its own, only a directory set explicitly turns
 * it on ({@link #forDevice}). Thread-safe: {@link ProgramCache#prepare} builds on several threads.
 */
public final class ProgramBinaryCache {
    private static final Logger LOG = LoggerFactory.getLogger(ProgramBinaryCache.class);
    public static final String PROPERTY = "clconvt.programCache";
    public static final String ENVIRONMENT = "CLCONVT_PROGRAM_CACHE";
    public static final String OFF = "off";
    private static final String POCL_PLATFORM = "Portable Computing Language";
    public static final int MAX_FILES = 2_000;
    public static final long MAX_BYTES = 256L << 20;
    private static final String SUFFIX = ".bin";
    private static final byte[] MAGIC = "clconvt-program-1\n".getBytes(StandardCharsets.US_ASCII);
    private static final int DIGEST_BYTES = 32;
    private static final int HEADER_BYTES = MAGIC.length + Long.BYTES + DIGEST_BYTES;

    private static volatile ProgramBinaryCache defaultCache;

    private final Path directory;
    private final int maxFiles;
    private final long maxBytes;
    private volatile boolean enabled;
    private final AtomicInteger loads = new AtomicInteger();
    private final AtomicInteger stores = new AtomicInteger();

    /** A cache in {@code directory} (null: off) holding at most {@code maxFiles} files and {@code maxBytes} bytes. */
    public ProgramBinaryCache(Path directory, int maxFiles, long maxBytes) {
        if (maxFiles < 1 || maxBytes < 1) {
            throw new IllegalArgumentException("maxFiles and maxBytes must be positive, got " + maxFiles + " and "
                    + maxBytes);
        }
        this.directory = directory;
        this.maxFiles = maxFiles;
        this.maxBytes = maxBytes;
        this.enabled = directory != null;
    }

    /**
     * The cache a backend on {@code device} uses, or null for none: {@link #fromEnvironment()}, except on
     * POCL, whose own on-disk cache already makes a second process start warm; there asking for a program's
     * binary makes POCL also compile each kernel for a generic work-group size, which cost the first
     * process more than a later one with POCL's cache emptied gained (docs/program-cache.md). There the
     * library's cache is used only when the property or the environment variable names a directory.
     */
    public static ProgramBinaryCache forDevice(DeviceCapabilities device) {
        return usedOn(device.platform(), System.getProperty(PROPERTY), System.getenv(ENVIRONMENT))
                ? fromEnvironment() : null;
    }

    /** Whether a backend on {@code platform} uses the cache, given the property's and the variable's values. */
    static boolean usedOn(String platform, String property, String environment) {
        boolean chosen = (property != null && !property.isBlank()) || (environment != null && !environment.isBlank());
        return chosen || !platform.contains(POCL_PLATFORM);
    }

    /** The cache the system property, the environment or the default location names; one per process. */
    public static ProgramBinaryCache fromEnvironment() {
        ProgramBinaryCache cache = defaultCache;
        if (cache == null) {
            synchronized (ProgramBinaryCache.class) {
                if (defaultCache == null) {
                    defaultCache = new ProgramBinaryCache(configuredDirectory(System.getProperty(PROPERTY),
                            System.getenv(ENVIRONMENT), System.getenv("XDG_CACHE_HOME"),
                            System.getProperty("user.home")), MAX_FILES, MAX_BYTES);
                }
                cache = defaultCache;
            }
        }
        return cache;
    }

    /**
     * The directory the settings name, in order of precedence, or null for {@code off}: the property, the
     * environment variable, {@code $XDG_CACHE_HOME/clconvt/programs}, {@code <home>/.cache/clconvt/programs}.
     */
    static Path configuredDirectory(String property, String environment, String xdgCacheHome, String home) {
        String chosen = property != null && !property.isBlank() ? property
                : environment != null && !environment.isBlank() ? environment : null;
        if (chosen != null) {
            return chosen.strip().equalsIgnoreCase(OFF) ? null : Path.of(chosen.strip());
        }
        if (xdgCacheHome != null && !xdgCacheHome.isBlank()) {
            return Path.of(xdgCacheHome, "clconvt", "programs");
        }
        return home == null || home.isBlank() ? null : Path.of(home, ".cache", "clconvt", "programs");
    }

    public boolean enabled() {
        return enabled;
    }

    /** The directory, or null when the cache is off. */
    public Path directory() {
        return enabled ? directory : null;
    }

    /** Binaries loaded from disk so far (handed to the driver, whether it accepted them or not). */
    public int loads() {
        return loads.get();
    }

    /** Binaries stored so far. */
    public int stores() {
        return stores.get();
    }

    /**
     * The key of a program: a hex SHA-256 over everything that decides its binary. {@code device} lists
     * the device's name, vendor, OpenCL version and driver version.
     */
    public static String key(List<String> device, String options, String source) {
        MessageDigest digest = sha256();
        for (String part : device) {
            update(digest, part);
        }
        update(digest, options);
        update(digest, source);
        return HexFormat.of().formatHex(digest.digest());
    }

    /** Each part with its length first, so that no two lists of parts hash alike by shifting a boundary. */
    private static void update(MessageDigest digest, String part) {
        byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
        digest.update(ByteBuffer.allocate(Integer.BYTES).putInt(bytes.length).array());
        digest.update(bytes);
    }

    /** The file of {@code key}. */
    public Path file(String key) {
        return directory.resolve(key + SUFFIX);
    }

    /**
     * The stored binary of {@code key}, or null if there is none or it is unusable (deleted then); a hit
     * marks the file as recently used.
     */
    public byte[] load(String key) {
        if (!enabled) {
            return null;
        }
        Path file = file(key);
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            LOG.debug("program binary cache: cannot read {}: {}", file, e.toString());
            return null;
        }
        byte[] binary = payload(content);
        if (binary == null) {
            LOG.debug("program binary cache: {} is truncated or corrupt; deleting it", file);
            discard(key);
            return null;
        }
        try {
            Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis()));
        } catch (IOException e) {
            // Another process evicted it meanwhile, or the directory is read-only: the binary is still good.
            LOG.debug("program binary cache: cannot mark {} as used: {}", file, e.toString());
        }
        loads.incrementAndGet();
        return binary;
    }

    /** The binary a file holds, or null if its header does not match its payload. */
    private static byte[] payload(byte[] content) {
        if (content.length < HEADER_BYTES
                || !Arrays.equals(content, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            return null;
        }
        ByteBuffer header = ByteBuffer.wrap(content, MAGIC.length, Long.BYTES + DIGEST_BYTES);
        long length = header.getLong();
        if (length != content.length - HEADER_BYTES) {
            return null;
        }
        byte[] binary = Arrays.copyOfRange(content, HEADER_BYTES, content.length);
        byte[] expected = Arrays.copyOfRange(content, MAGIC.length + Long.BYTES, HEADER_BYTES);
        return MessageDigest.isEqual(expected, sha256().digest(binary)) ? binary : null;
    }

    /** Stores {@code binary} under {@code key}, then evicts the least recently used files beyond the bound. */
    public void store(String key, byte[] binary) {
        if (!enabled) {
            return;
        }
        Path temporary = null;
        try {
            Files.createDirectories(directory);
            temporary = Files.createTempFile(directory, ".writing-", ".tmp");
            ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).put(MAGIC).putLong(binary.length)
                    .put(sha256().digest(binary));
            try (var out = Files.newOutputStream(temporary)) {
                out.write(header.array());
                out.write(binary);
            }
            try {
                Files.move(temporary, file(key), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, file(key), StandardCopyOption.REPLACE_EXISTING);
            }
            temporary = null;
            stores.incrementAndGet();
        } catch (IOException | SecurityException e) {
            enabled = false;
            LOG.debug("program binary cache: cannot write to {} ({}); off for this process", directory, e.toString());
            return;
        } finally {
            if (temporary != null) {
                try {
                    Files.deleteIfExists(temporary);
                } catch (IOException e) {
                    LOG.debug("program binary cache: cannot delete {}: {}", temporary, e.toString());
                }
            }
        }
        evict();
    }

    /** Deletes {@code key}'s file: the driver rejected it, or it was corrupt. */
    public void discard(String key) {
        try {
            Files.deleteIfExists(file(key));
        } catch (IOException e) {
            LOG.debug("program binary cache: cannot delete {}: {}", file(key), e.toString());
        }
    }

    private record Stored(Path file, long bytes, long modified) {
    }

    /**
     * Deletes the least recently used files until at most {@link #maxFiles} files and {@link #maxBytes}
     * bytes remain. Serialised within the process; another process evicting at the same time at worst
     * deletes a file this one would have kept, which the next build writes again.
     */
    private synchronized void evict() {
        List<Stored> files = new ArrayList<>();
        long total = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory, "*" + SUFFIX)) {
            for (Path file : entries) {
                try {
                    Stored stored = new Stored(file, Files.size(file), Files.getLastModifiedTime(file).toMillis());
                    files.add(stored);
                    total += stored.bytes();
                } catch (NoSuchFileException e) {
                    // Evicted by another process while listing.
                }
            }
        } catch (IOException e) {
            LOG.debug("program binary cache: cannot list {}: {}", directory, e.toString());
            return;
        }
        if (files.size() <= maxFiles && total <= maxBytes) {
            return;
        }
        files.sort(Comparator.comparingLong(Stored::modified));
        int count = files.size();
        for (Stored oldest : files) {
            if (count <= maxFiles && total <= maxBytes) {
                break;
            }
            try {
                Files.deleteIfExists(oldest.file());
            } catch (IOException e) {
                LOG.debug("program binary cache: cannot evict {}: {}", oldest.file(), e.toString());
            }
            count--;
            total -= oldest.bytes();
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform provides SHA-256", e);
        }
    }
}
