package io.clconvt.internal.opencl;

import static org.jocl.CL.*;

import io.clconvt.OpenClException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jocl.Pointer;
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
     * Compiles {@code source}.
     *
     * @throws OpenClException with the full build log if the compiler rejects it
     */
    public static ClProgram build(ClContext context, String name, String source, String options) {
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
