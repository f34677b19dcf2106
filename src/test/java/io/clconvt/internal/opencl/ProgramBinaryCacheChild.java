package io.clconvt.internal.opencl;

import static org.jocl.CL.clReleaseEvent;

import io.clconvt.DType;
import io.clconvt.Tensor;
import io.clconvt.internal.DeviceSelection;
import java.nio.file.Path;
import java.util.Arrays;
import org.jocl.cl_event;
import org.jocl.cl_kernel;

/**
 * A fresh process for {@link ProgramBinaryCacheTest}: builds a small program through a
 * {@link ProgramCache} whose binary cache is the directory {@code args[0]} (the source's constant is
 * {@code args[1]}), runs it on four elements and prints the result and the binary cache's counters.
 */
public final class ProgramBinaryCacheChild {
    private ProgramBinaryCacheChild() {
    }

    static String source(String addend) {
        return "kernel void add(global float* x) { x[get_global_id(0)] += " + addend + ".0f; }\n";
    }

    public static void main(String[] args) {
        ProgramBinaryCache binaries = new ProgramBinaryCache(Path.of(args[0]), 10, 1L << 30);
        String source = source(args[1]);
        try (ClContext context = new ClContext(ClDevice.select(DeviceSelection.fromEnvironment()), false);
             ProgramCache programs = new ProgramCache(context, 4, file -> source, binaries);
             ClBuffer data = ClBuffer.upload(context, Tensor.of(new float[] {1, 2, 3, 4}, 4))) {
            cl_kernel kernel = programs.kernel("add.cl", "add", "-cl-fast-relaxed-math");
            programs.arguments(kernel).buffer(data);
            cl_event event = context.enqueue(kernel, "add", new long[] {4}, null);
            Cl.await(event);
            clReleaseEvent(event);
            System.out.println("result " + Arrays.toString(data.read(DType.FLOAT32, new int[] {4}).toFloatArray()));
            System.out.println("loads " + binaries.loads());
            System.out.println("stores " + binaries.stores());
        }
    }
}
