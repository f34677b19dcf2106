package io.clconvt.internal.opencl;

import static org.jocl.CL.*;

import io.clconvt.OpenClException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_device_id;
import org.jocl.cl_kernel;
import org.jocl.cl_program;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A program built from OpenCL C source for one device and one set of build options. */
public final class ClProgram implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClProgram.class);

    private final cl_program program;
    private final String buildLog;
    private boolean closed;

    private ClProgram(cl_program program, String buildLog) {
        this.program = program;
        this.buildLog = buildLog;
    }


    private static final Pattern INCLUDE = Pattern.compile("(?m)^#include \"([A-Za-z0-9_]+\\.cl)\"$");

    /**
     * The source of {@code kernels/<file>} with its {@code #include "other.cl"} lines replaced by those
     * files' sources, recursively; a file already in {@code included} becomes an empty line.
     */
    public static String loadSource(String file, Set<String> included) {
        included.add(file);
        Matcher include = INCLUDE.matcher(loadFile(file));
        StringBuilder source = new StringBuilder();
        while (include.find()) {
            String other = include.group(1);
            include.appendReplacement(source,
                    Matcher.quoteReplacement(included.contains(other) ? "" : loadSource(other, included)));
        }
        return include.appendTail(source).toString();
    }

    /** The text of {@code kernels/<file>}, which the jar ships as the resource {@code io/clconvt/kernels/<file>}. */
    private static String loadFile(String file) {
        String resource = "/io/clconvt/kernels/" + file;
        try (InputStream in = ClProgram.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("kernel source " + resource + " is missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read kernel source " + resource, e);
        }
    }

    /**
     * Compiles {@code source}, without the binary cache.
     *
     * @throws OpenClException with the full build log if the compiler rejects it
     */
    public static ClProgram build(ClContext context, String name, String source, String options) {
        return build(context, name, source, options, null);
    }

    /**
     * The program of {@code source} built with {@code options}: from the binary {@code binaries} holds
     * for it if there is one and the driver accepts it, else compiled from source, its binary then stored
     * there. A binary the driver rejects is deleted and the program compiled from source instead.
     *
     * @param binaries the binary cache, or null for none
     * @throws OpenClException with the full build log if the compiler rejects the source
     */
    public static ClProgram build(ClContext context, String name, String source, String options,
            ProgramBinaryCache binaries) {
        if (binaries == null || !binaries.enabled()) {
            return buildFromSource(context, name, source, options);
        }
        String key = ProgramBinaryCache.key(deviceIdentity(context.device()), options, source);
        byte[] binary = binaries.load(key);
        if (binary != null) {
            ClProgram program = buildFromBinary(context, name, options, binary);
            if (program != null) {
                return program;
            }
            binaries.discard(key);
        }
        ClProgram program = buildFromSource(context, name, source, options);
        byte[] built = program.binary();
        if (built != null) {
            binaries.store(key, built);
        }
        return program;
    }

    /** What decides a device's binaries: its name, vendor, OpenCL version and driver version. */
    private static List<String> deviceIdentity(ClDevice device) {
        return List.of(device.capabilities().name(), Cl.deviceString(device.id(), CL_DEVICE_VENDOR),
                device.capabilities().version(), device.capabilities().driverVersion());
    }

    private static ClProgram buildFromSource(ClContext context, String name, String source, String options) {
        int[] status = new int[1];
        cl_program program = clCreateProgramWithSource(context.context(), 1, new String[] {source}, null, status);
        Cl.check(status[0], "clCreateProgramWithSource(" + name + ")");
        cl_device_id device = context.device().id();
        long start = System.nanoTime();
        int buildStatus = clBuildProgram(program, 1, new cl_device_id[] {device}, options, null, null);
        if (buildStatus != CL_SUCCESS) {
            String log = buildLog(program, device);
            clReleaseProgram(program);
            throw new OpenClException("clBuildProgram", Cl.statusName(buildStatus),
                    "program " + name + " with options '" + options + "'", log, null);
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        // The compiler's messages of a successful build are for developers, never for the user's stderr.
        String log = buildLog(program, device).strip();
        if (log.isEmpty()) {
            LOG.debug("built {} with options '{}' in {} ms", name, options, millis);
        } else {
            LOG.debug("built {} with options '{}' in {} ms; build log:\n{}", name, options, millis, log);
        }
        return new ClProgram(program, log);
    }

    /** The program of a cached {@code binary}, or null (logged at DEBUG) if the driver rejects it. */
    private static ClProgram buildFromBinary(ClContext context, String name, String options, byte[] binary) {
        cl_device_id device = context.device().id();
        long start = System.nanoTime();
        int[] binaryStatus = new int[1];
        int[] status = new int[1];
        cl_program program = clCreateProgramWithBinary(context.context(), 1, new cl_device_id[] {device},
                new long[] {binary.length}, new byte[][] {binary}, binaryStatus, status);
        if (status[0] != CL_SUCCESS || binaryStatus[0] != CL_SUCCESS) {
            LOG.debug("cached binary of {} with options '{}' rejected: {}; building from source", name, options,
                    Cl.statusName(status[0] != CL_SUCCESS ? status[0] : binaryStatus[0]));
            if (status[0] == CL_SUCCESS) {
                clReleaseProgram(program);
            }
            return null;
        }
        int buildStatus = clBuildProgram(program, 1, new cl_device_id[] {device}, options, null, null);
        if (buildStatus != CL_SUCCESS) {
            LOG.debug("cached binary of {} with options '{}' failed to build: {}; building from source; log:\n{}",
                    name, options, Cl.statusName(buildStatus), buildLog(program, device));
            clReleaseProgram(program);
            return null;
        }
        LOG.debug("loaded {} with options '{}' from the program binary cache in {} ms", name, options,
                (System.nanoTime() - start) / 1_000_000);
        return new ClProgram(program, buildLog(program, device).strip());
    }

    /** The program's binary for its one device, or null if the driver gives none. */
    private byte[] binary() {
        long[] size = new long[1];
        if (clGetProgramInfo(program, CL_PROGRAM_BINARY_SIZES, Sizeof.size_t, Pointer.to(size), null) != CL_SUCCESS
                || size[0] <= 0 || size[0] > Integer.MAX_VALUE) {
            LOG.debug("no program binary to cache (size {})", size[0]);
            return null;
        }
        byte[] binary = new byte[(int) size[0]];
        int status = clGetProgramInfo(program, CL_PROGRAM_BINARIES, Sizeof.POINTER,
                Pointer.to(new Pointer[] {Pointer.to(binary)}), null);
        if (status != CL_SUCCESS) {
            LOG.debug("no program binary to cache: {}", Cl.statusName(status));
            return null;
        }
        return binary;
    }

    private static String buildLog(cl_program program, cl_device_id device) {
        long[] size = new long[1];
        if (clGetProgramBuildInfo(program, device, CL_PROGRAM_BUILD_LOG, 0, null, size) != CL_SUCCESS) {
            return "(build log unavailable)";
        }
        byte[] log = new byte[(int) size[0]];
        if (clGetProgramBuildInfo(program, device, CL_PROGRAM_BUILD_LOG, log.length, Pointer.to(log), null)
                != CL_SUCCESS) {
            return "(build log unavailable)";
        }
        int length = log.length > 0 && log[log.length - 1] == 0 ? log.length - 1 : log.length;
        return new String(log, 0, length, StandardCharsets.UTF_8);
    }

    /** What the compiler said while building this program (empty when it said nothing). */
    public String buildLog() {
        return buildLog;
    }

    /** A new kernel object; the caller releases it. */
    public cl_kernel createKernel(String kernelName) {
        int[] status = new int[1];
        cl_kernel kernel = clCreateKernel(program, kernelName, status);
        Cl.check(status[0], "clCreateKernel(" + kernelName + ")");
        return kernel;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            clReleaseProgram(program);
        }
    }
}
