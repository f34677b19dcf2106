package io.clconvt;

import io.clconvt.bench.KernelVariant;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Winning launch plans found by {@code bench --tune}, per device and shape class, in a JSON file:
 * {@code CLCONVT_TUNING_FILE} or {@code -Dclconvt.tuningFile}, else
 * {@code ~/.cache/clconvt/tuning.json}. {@link KernelVariant#AUTO} uses a stored winner when its
 * class matches; a missing or unreadable file just means the built-in rule.
 */
final class TuningFile {
    private static final Logger LOG = LoggerFactory.getLogger(TuningFile.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final TypeReference<TreeMap<String, TreeMap<String, String>>> TYPE = new TypeReference<>() {
    };

    private final Path path;
    private final TreeMap<String, TreeMap<String, String>> plansByDevice;

    private TuningFile(Path path, TreeMap<String, TreeMap<String, String>> plansByDevice) {
        this.path = path;
        this.plansByDevice = plansByDevice;
    }

    static Path defaultPath() {
        String configured = System.getProperty("clconvt.tuningFile", System.getenv("CLCONVT_TUNING_FILE"));
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        return Path.of(System.getProperty("user.home"), ".cache", "clconvt", "tuning.json");
    }

    /** The file at {@code path}, or an empty table when it is missing or unreadable. */
    static TuningFile load(Path path) {
        if (!Files.isRegularFile(path)) {
            return new TuningFile(path, new TreeMap<>());
        }
        try {
            TuningFile file = new TuningFile(path, JSON.readValue(path.toFile(), TYPE));
            LOG.debug("tuning file {} loaded", path);
            return file;
        } catch (IOException e) {
            LOG.warn("ignoring unreadable tuning file {}: {}", path, e.getMessage());
            return new TuningFile(path, new TreeMap<>());
        }
    }

    /** The class of shapes that share a winner: what fixes the kernel's code and the tile's fill. */
    static String shapeClass(ConvProblem p) {
        return p.dtype() + " " + p.layout() + " k" + p.kernelSize() + " s" + p.stride() + " d" + p.dilation()
                + " in" + bucket(p.groupInChannels()) + " out" + bucket(p.groupOutChannels());
    }

    private static String bucket(int channels) {
        if (channels == 1) {
            return "1";
        }
        if (channels < 8) {
            return "<8";
        }
        return channels < 16 ? "<16" : channels < 64 ? "<64" : ">=64";
    }

    /** The stored winner for {@code problem} on {@code device}, or null. */
    LaunchPlan plan(String device, ConvProblem problem) {
        Map<String, String> plans = plansByDevice.get(device);
        String stored = plans == null ? null : plans.get(shapeClass(problem));
        return stored == null ? null : LaunchPlan.parse(stored);
    }

    /** Records {@code plan} as the winner and rewrites the file (atomically). */
    void store(String device, ConvProblem problem, LaunchPlan plan) {
        plansByDevice.computeIfAbsent(device, d -> new TreeMap<>()).put(shapeClass(problem), plan.encode());
        try {
            Path directory = path.toAbsolutePath().getParent();
            Files.createDirectories(directory);
            Path temporary = Files.createTempFile(directory, ".tuning", ".json");
            JSON.writeValue(temporary.toFile(), plansByDevice);
            Files.move(temporary, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the tuning file " + path, e);
        }
    }
}
