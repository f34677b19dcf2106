package io.clconvt.cli;

import io.clconvt.Backends;
import io.clconvt.DeviceInfo;
import io.clconvt.OpenClException;
import io.clconvt.internal.opencl.SignalChaining;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ExitCode;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** Lists every OpenCL device, or explains how to get one. */
@Command(name = "devices", mixinStandardHelpOptions = true, version = "clconvt " + Main.VERSION,
        description = {"Lists every OpenCL platform and device.",
            "Choose the device clconvt uses with the environment variable CLCONVT_DEVICE or the system property "
                    + "clconvt.device: a platform:device index from this list, or part of a device name."})
final class DevicesCommand implements Callable<Integer> {
    private static final long MIB = 1024 * 1024;

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<DeviceInfo> devices;
        try {
            devices = Backends.openClDevices();
        } catch (OpenClException e) {
            err.println("No OpenCL runtime or platform was found: " + e.getMessage());
            printInstallHelp(err);
            return ExitCode.SOFTWARE;
        }
        if (devices.isEmpty()) {
            err.println("OpenCL platforms are installed but none reports a device.");
            printInstallHelp(err);
            return ExitCode.SOFTWARE;
        }
        TextTable table = new TextTable("INDEX", "PLATFORM", "DEVICE", "TYPE", "VERSION", "UNITS", "GLOBAL MiB",
                "MAX ALLOC MiB", "FP64").alignRight(5, 6, 7);
        for (DeviceInfo d : devices) {
            table.row(d.index(), d.platform(), d.name(), d.type(), d.version(), d.computeUnits(),
                    d.globalMemoryBytes() / MIB, d.maxAllocationBytes() / MIB, d.fp64() ? "yes" : "no");
        }
        table.print(out);
        out.println();
        out.println("clconvt uses the first GPU, else the first device. Choose another with the environment variable");
        out.println("CLCONVT_DEVICE=<index or part of the name>, "
                + "or java -Dclconvt.device=<index or part of the name>.");
        out.println(signalChaining());
        return ExitCode.OK;
    }

    /** Whether this JVM has the signal-chaining library POCL needs (docs/troubleshooting.md). */
    static String signalChaining() {
        return SignalChaining.loaded()
                ? "Signal chaining: libjsig is loaded (POCL's LLVM cannot take the JVM's SIGSEGV handler)."
                : "Signal chaining: libjsig is NOT loaded; on POCL the JVM can die without a crash report "
                        + "(see docs/troubleshooting.md).";
    }

    private static void printInstallHelp(PrintWriter err) {
        err.println("Install an OpenCL runtime, e.g. POCL on Debian/Ubuntu as root:");
        err.println("  apt-get install -y pocl-opencl-icd ocl-icd-libopencl1 clinfo");
        err.println("or run ci/install-opencl.sh from the clconvt sources. POCL needs a writable HOME or "
                + "POCL_CACHE_DIR (e.g. export POCL_CACHE_DIR=/tmp/pocl-cache).");
        err.println("Once 'clinfo -l' lists a device, choose it with CLCONVT_DEVICE=<platform:device> or "
                + "-Dclconvt.device=<platform:device>.");
    }
}
