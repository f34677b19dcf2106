package io.clconvt.internal.plan;

import io.clconvt.internal.ConvProblem;
import io.clconvt.internal.DeviceCapabilities;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Winning launch plans per device, driver version and shape class, found by {@code bench --tune} or by
 * tuning on first use: {@code CLCONVT_TUNING_FILE} or {@code -Dclconvt.tuningFile}, else
 * {@code ~/.cache/clconvt/tuning.tsv}. {@link KernelVariant#AUTO} uses a stored winner when its class
 * matches and the driver version is the device's; a missing or unreadable file, or an entry that is not
 * a valid plan, just means the built-in rule (an invalid entry is reported at WARN once per process).
 *
 * <p>The format is line-based UTF-8 text, one entry per line, four tab-separated fields: device, driver
 * version, shape class, plan (e.g. {@code tiled:16:4:16}); lines starting with {@code #} are comments.
 * Writers take a lock file beside it, merge with what is on disk and replace the file by an atomic
 * rename, so concurrent processes neither corrupt it nor lose each other's entries.
 */
public final class TuningFile {
    private static final Logger LOG = LoggerFactory.getLogger(TuningFile.class);
    private static final String HEADER = "# clconvt tuned launch plans: device<TAB>driver version<TAB>shape class<TAB>plan";
    /** Invalid entries already reported, so that each is reported once per process. */
    private static final Set<String> REPORTED = ConcurrentHashMap.newKeySet();

    private record Key(String device, String driver, String shapeClass) {
    }

    private final Path path;
    private final Map<Key, LaunchPlan> plans;

    private TuningFile(Path path, Map<Key, LaunchPlan> plans) {
        this.path = path;
        this.plans = plans;
    }

    public static Path defaultPath() {
        String configured = System.getProperty("clconvt.tuningFile", System.getenv("CLCONVT_TUNING_FILE"));
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        return Path.of(System.getProperty("user.home"), ".cache", "clconvt", "tuning.tsv");
    }

    /** The file at {@code path}, or an empty table when it is missing or unreadable. */
    public static TuningFile load(Path path) {
        TuningFile file = new TuningFile(path, read(path));
        LOG.debug("tuning file {}: {} entries", path, file.plans.size());
        return file;
    }

    private static Map<Key, LaunchPlan> read(Path path) {
        Map<Key, LaunchPlan> plans = new TreeMap<>(
                (a, b) -> (a.device() + '\t' + a.driver() + '\t' + a.shapeClass())
                        .compareTo(b.device() + '\t' + b.driver() + '\t' + b.shapeClass()));
        if (!Files.isRegularFile(path)) {
            return plans;
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(path, StandardCharsets.UTF_8);
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("ignoring unreadable tuning file {}: {}", path, e.getMessage());
            return plans;
        }
        for (int number = 1; number <= lines.size(); number++) {
            String line = lines.get(number - 1);
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] fields = line.split("\t", -1);
            LaunchPlan plan = fields.length == 4 ? PlanText.parse(fields[3]) : null;
            if (plan == null) {
                if (REPORTED.add(path.toAbsolutePath() + "\n" + line)) {
                    LOG.warn("ignoring entry {} of the tuning file {}: '{}' is not device, driver, shape class and a "
                            + "valid launch plan", number, path, line);
                }
                continue;
            }
            plans.put(new Key(fields[0], fields[1], fields[2]), plan);
        }
        return plans;
    }

    /** How the file names a device: the way {@link DeviceCapabilities#label()} shows it. */
    public static String deviceKey(DeviceCapabilities device) {
        return device.label();
    }

    /**
     * The class of shapes that share a winner: what fixes the kernel's code (dtype, layout, K, stride,
     * dilation), and the group's channel counts and the batch's input positions to the power of two (of
     * four, for the positions) below them, which decide how a tile fills and how much work there is to
     * spread. Two layers of one decoder differ in at least one of them (HiFi-GAN's 512->256 channels over
     * 128 positions and 256->128 over 1024 want different tiles).
     */
    public static String shapeClass(ConvProblem p) {
        return p.dtype() + " " + p.layout() + " k" + p.kernelSize() + " s" + p.stride() + " d" + p.dilation()
                + " in" + Integer.highestOneBit(p.groupInChannels())
                + " out" + Integer.highestOneBit(p.groupOutChannels())
                + " len" + powerOfFourBelow((long) p.batch() * p.inputLength());
    }

    private static long powerOfFourBelow(long value) {
        long power = 1;
        while (power * 4 <= value) {
            power *= 4;
        }
        return power;
    }

    /** The stored winner for {@code problem} on {@code device} with its current driver, or null. */
    public synchronized LaunchPlan plan(DeviceCapabilities device, ConvProblem problem) {
        return plans.get(new Key(deviceKey(device), device.driverVersion(), shapeClass(problem)));
    }

    /** Records {@code plan} as the winner and rewrites the file, merged with what other processes stored. */
    public synchronized void store(DeviceCapabilities device, ConvProblem problem, LaunchPlan plan) {
        Key key = new Key(deviceKey(device), device.driverVersion(), shapeClass(problem));
        plans.put(key, plan);
        try {
            Path directory = path.toAbsolutePath().getParent();
            Files.createDirectories(directory);
            Path lockFile = directory.resolve(path.getFileName() + ".lock");
            // File locks exclude other processes; within this one, threads queue on the class.
            synchronized (TuningFile.class) {
                writeLocked(lockFile, key, plan);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the tuning file " + path, e);
        }
    }

    /** Merges with the file on disk and replaces it, holding the lock file; the caller holds the class lock. */
    private void writeLocked(Path lockFile, Key key, LaunchPlan plan) throws IOException {
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock lock = channel.lock()) {
            Map<Key, LaunchPlan> merged = read(path); // what other processes stored meanwhile
            merged.put(key, plan);
            plans.putAll(merged);
            List<String> lines = new ArrayList<>();
            lines.add(HEADER);
            merged.forEach((k, p) -> lines.add(k.device() + '\t' + k.driver() + '\t' + k.shapeClass() + '\t'
                    + PlanText.encode(p)));
            Path temporary = Files.createTempFile(lockFile.getParent(), ".tuning", ".tmp");
            try {
                Files.write(temporary, lines, StandardCharsets.UTF_8);
                Files.move(temporary, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(temporary);
            }
        }
    }
}
