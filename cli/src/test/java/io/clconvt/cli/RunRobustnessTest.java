package io.clconvt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.abort;

import io.clconvt.Backend;
import io.clconvt.Backends;
import io.clconvt.ReproducerMain;
import io.clconvt.Tensor;
import io.clconvt.io.Npy;
import io.clconvt.testing.Accuracy;
import io.clconvt.testing.ChildJvm;
import io.clconvt.testing.CrossCheck;
import io.clconvt.testing.OpenClSupport;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The library's RobustnessTest through the command line: a dilation of 900, whose tile window once crashed POCL's
 * compiler and killed the JVM, computes with {@code run --backend opencl} in a child JVM.
 */
class RunRobustnessTest {
    @Test
    void commandLineRunsLargeDilations(@TempDir Path dir) throws Exception {
        CrossCheck.Call call = ReproducerMain.call("dilation900");
        Path x = dir.resolve("x.npy");
        Path w = dir.resolve("w.npy");
        Path y = dir.resolve("y.npy");
        Npy.write(x, call.x());
        Npy.write(w, call.weight());
        ChildJvm.Result result = ChildJvm.run(300, List.of(), Main.class, "run", "--input", x.toString(), "--weight",
                w.toString(), "--dilation", "900", "--backend", "opencl", "--output", y.toString());
        if (result.exitCode() != 0 && !OpenClSupport.inCi() && result.err().contains("OpenCL")) {
            abort("no OpenCL device: " + result.err());
        }
        assertEquals(0, result.exitCode(), result::toString);
        try (Backend cpu = Backends.cpu()) {
            Tensor expected = cpu.convTranspose1d(call.x(), call.weight(), null, call.params());
            Accuracy.assertClose(Npy.read(y), expected, call.x(), call.weight(), null, call.params(), "run --dilation 900");
        }
    }
}
