package io.clconvt.spark;

import io.clconvt.Backend;
import io.clconvt.Backends;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backends and generators of this JVM (an executor, or the driver in local mode): one backend per OpenCL device,
 * opened by the first task assigned that device and reused by every later task, and per device the generator of the
 * latest weights (a new weights id replaces it, so the cache holds one model per device). Backends are thread-safe,
 * so tasks sharing a GPU share its backend.
 *
 * <p>{@link ClconvtSparkPlugin}, which {@link DecodeJob} registers, closes everything when the executor shuts down;
 * a JVM shutdown hook does it where the plugin is not configured (a job of the user's own calling
 * {@link DecodeFunction}).
 */
public final class ExecutorModels {
    private static final Logger LOG = LoggerFactory.getLogger(ExecutorModels.class);
    /** The key of the device a task without a GPU resource uses: {@code Backends.auto()}'s choice. */
    static final String DEFAULT_DEVICE = "default";

    /** A task's backend and generator. */
    public record Model(Backend backend, Vocoder vocoder, String device) {
    }

    private record Loaded(String weightsId, Vocoder vocoder) {
    }

    private static final Map<String, Backend> BACKENDS = new HashMap<>();
    private static final Map<String, Loaded> VOCODERS = new HashMap<>();
    private static List<OpenClDeviceDescription> devices;
    private static boolean hookInstalled;

    private ExecutorModels() {
    }

    /**
     * The backend for Spark GPU address {@code gpuAddress} (null: no GPU resource, the default device) and the
     * generator of {@code files} on it, built on first use.
     *
     * @throws IllegalArgumentException if the address names no device ({@link GpuAddressMapping})
     */
    public static synchronized Model get(String gpuAddress, GeneratorFiles files) {
        if (devices == null) {
            devices = OpenClDevices.describeAll();
        }
        OpenClDeviceDescription chosen = GpuAddressMapping.choose(gpuAddress, devices);
        String device = chosen == null ? DEFAULT_DEVICE : chosen.index();
        Backend backend = BACKENDS.get(device);
        if (backend == null) {
            backend = chosen == null ? Backends.auto() : Backends.openCl(chosen.index());
            BACKENDS.put(device, backend);
            installHook();
            LOG.info("Spark GPU address {} -> {}", gpuAddress == null ? "(none)" : gpuAddress, backend.describe());
        }
        Loaded loaded = VOCODERS.get(device);
        if (loaded == null || !loaded.weightsId().equals(files.id())) {
            try {
                loaded = new Loaded(files.id(), files.load());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot load the generator " + files.weightsName(), e);
            }
            VOCODERS.put(device, loaded);
            LOG.debug("Loaded generator {} ({}) for device {}", files.weightsName(), files.id(), device);
        }
        return new Model(backend, loaded.vocoder(), device);
    }

    /** How many backends are open (for tests of the executor's lifecycle). */
    static synchronized int openBackends() {
        return BACKENDS.size();
    }

    /** Closes every backend and forgets every generator; a later task opens them again. */
    public static synchronized void closeAll() {
        for (Map.Entry<String, Backend> entry : BACKENDS.entrySet()) {
            try {
                entry.getValue().close();
            } catch (RuntimeException e) {
                LOG.warn("Closing the backend of device {} failed: {}", entry.getKey(), e.toString());
            }
        }
        BACKENDS.clear();
        VOCODERS.clear();
    }

    private static void installHook() {
        if (!hookInstalled) {
            Runtime.getRuntime().addShutdownHook(new Thread(ExecutorModels::closeAll, "clconvt-close-backends"));
            hookInstalled = true;
        }
    }
}
