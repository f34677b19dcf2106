package io.clconvt.internal.kernels;

import static org.jocl.CL.clReleaseEvent;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clconvt.DType;
import io.clconvt.Layout;
import io.clconvt.Tensor;
import io.clconvt.internal.DeviceSelection;
import io.clconvt.internal.opencl.ClBuffer;
import io.clconvt.internal.opencl.ClContext;
import io.clconvt.internal.opencl.ClDevice;
import io.clconvt.internal.opencl.ProgramCache;
import io.clconvt.internal.plan.KernelVariant;
import io.clconvt.testing.OpenClSupport;
import io.clconvt.testing.TestTensors;
import java.util.SplittableRandom;
import org.jocl.cl_event;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The channel sums (bias gradient) against a double loop: every dtype and layout, channel counts and lengths
 * that are and are not whole vectors, batches, a sum of 10^5 values within gamma(R), and NaN/Inf staying in
 * their channel.
 */
class ChannelSumKernelTest {
    private static ClContext context;
    private static ProgramCache programs;

    @BeforeAll
    static void open() {
        OpenClSupport.backend(KernelVariant.AUTO).close(); // skips, or fails under CI, without a device
        context = new ClContext(ClDevice.select(DeviceSelection.fromEnvironment()), false);
        programs = new ProgramCache(context);
    }

    @AfterAll
    static void close() {
        if (programs != null) {
            programs.close();
        }
        if (context != null) {
            context.close();
        }
    }

    @Test
    void everyDtypeAndLayoutMatchesTheDefinition() {
        SplittableRandom random = new SplittableRandom(21);
        int[][] shapes = {{1, 1, 1}, {2, 5, 37}, {3, 17, 16}, {1, 40, 131}, {2, 32, 3}};
        for (DType dtype : DType.values()) {
            for (Layout layout : Layout.values()) {
                for (int[] shape : shapes) {
                    Tensor t = TestTensors.random(random, dtype, 1, shape);
                    check(t, layout, dtype + " " + layout + " " + java.util.Arrays.toString(shape));
                }
            }
        }
    }

    @Test
    void aSumOfAHundredThousandValuesStaysWithinGammaR() {
        SplittableRandom random = new SplittableRandom(22);
        double[] values = random.doubles(2 * 3 * 50_000, 0, 1).toArray(); // positive: no cancellation hides an error
        Tensor t = TestTensors.of(DType.FLOAT32, values, 2, 3, 50_000);
        for (Layout layout : Layout.values()) {
            check(t, layout, "long " + layout);
        }
    }

    @Test
    void nanAndInfStayInTheirChannel() {
        SplittableRandom random = new SplittableRandom(23);
        for (DType dtype : DType.values()) {
            double[] values = TestTensors.random(random, dtype, 1, 2, 20, 33).toDoubleArray();
            values[(1 * 20 + 3) * 33 + 32] = Double.NaN;
            values[(0 * 20 + 17) * 33 + 5] = Double.NEGATIVE_INFINITY;
            Tensor t = TestTensors.of(dtype, values, 2, 20, 33);
            for (Layout layout : Layout.values()) {
                check(t, layout, "non-finite " + dtype + " " + layout);
            }
        }
    }

    @Test
    void refusesBadSizesBeforeAnyDeviceWork() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ChannelSumKernel.enqueue(context, programs, DType.FLOAT32, Layout.NCL, 1, 0, 4, null, null));
        assertTrue(e.getMessage().contains("channels") && e.getMessage().contains("0"), e.getMessage());
    }

    /** Sums t (given as (N, C, L)) stored in {@code layout}, and compares with the definition. */
    private static void check(Tensor t, Layout layout, String label) {
        int[] shape = t.shape();
        int batch = shape[0];
        int channels = shape[1];
        int length = shape[2];
        double[] values = t.toDoubleArray();
        double[] sums = new double[channels];
        double[] magnitudes = new double[channels];
        for (int n = 0; n < batch; n++) {
            for (int c = 0; c < channels; c++) {
                for (int l = 0; l < length; l++) {
                    double v = values[(n * channels + c) * length + l];
                    sums[c] += v;
                    magnitudes[c] += Math.abs(v);
                }
            }
        }
        Tensor stored = layout == Layout.NLC ? TestTensors.swapLastAxes(t) : t;
        Tensor result;
        try (ClBuffer in = ClBuffer.upload(context, stored);
                ClBuffer out = ClBuffer.allocate(context, (long) channels * t.dtype().byteSize())) {
            out.poison(t.dtype());
            cl_event event = ChannelSumKernel.enqueue(context, programs, t.dtype(), layout, batch, channels, length,
                    in, out);
            try {
                result = out.read(t.dtype(), new int[] {channels});
            } finally {
                clReleaseEvent(event);
            }
        }
        WeightGradientKernelTest.assertWithinBound(result,
                new WeightGradientKernelTest.Expected(sums, magnitudes), (long) batch * length, label);
    }
}
