package io.clconvt.cli;

import io.clconvt.OpenClException;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.OptionalInt;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ExitCode;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

/**
 * The {@code clconvt} command line: {@code devices}, {@code run} and {@code demo}.
 *
 * <p>Exit codes: 0 success; 2 invalid input (bad options, unreadable or invalid .npy files, parameters
 * or shapes that do not fit together), always with one {@code clconvt: error: } line on stderr; 1 a
 * failure while working (OpenCL unusable or failing, the output not writable, the demo's backends
 * disagreeing).
 */
@Command(name = "clconvt", mixinStandardHelpOptions = true, version = "clconvt " + Main.VERSION,
        description = "1-D transposed convolution (PyTorch ConvTranspose1d) on OpenCL devices, with a CPU reference.",
        subcommands = {DevicesCommand.class, RunCommand.class, DemoCommand.class, BenchCommand.class,
            VocodeCommand.class})
public final class Main implements Runnable {
    static final String VERSION = "0.1.0";
    static final String ERROR_PREFIX = "clconvt: error: ";
    private static final String LOGBACK_CONFIGURATION = "logback.configurationFile";

    @Spec
    private CommandSpec spec;

    /**
     * Runs the command line and exits with its exit code; on Linux without the JDK's signal-chaining
     * library loaded, in a child JVM that has it ({@link SignalChainingRelaunch}).
     */
    public static void main(String[] args) {
        // The command line's logging setup lives under its own name, so that applications using the
        // library keep their own logback.xml; a -Dlogback.configurationFile given by the user wins.
        if (System.getProperty(LOGBACK_CONFIGURATION) == null) {
            System.setProperty(LOGBACK_CONFIGURATION, "io/clconvt/cli/logback-cli.xml");
        }
        OptionalInt relaunched = SignalChainingRelaunch.runPreloaded();
        if (relaunched.isPresent()) {
            System.exit(relaunched.getAsInt());
        }
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /**
     * Runs the command line without exiting, writing results to {@code out} and diagnostics to
     * {@code err}.
     *
     * @return the exit code: 0 success, 1 failure, 2 invalid input
     */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine commandLine = new CommandLine(new Main())
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setOut(out)
                .setErr(err)
                .setParameterExceptionHandler(Main::invalidUsage)
                .setExecutionExceptionHandler(Main::failure);
        int exitCode = commandLine.execute(args);
        out.flush();
        err.flush();
        return exitCode;
    }

    /** Without a subcommand there is nothing to do. */
    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing command: devices, run or demo");
    }

    /** One short line instead of picocli's usage dump, which would bury the actual mistake. */
    private static int invalidUsage(ParameterException e, String[] args) {
        CommandSpec command = e.getCommandLine().getCommandSpec();
        e.getCommandLine().getErr().println(ERROR_PREFIX + Messages.oneLine(e) + " (see '"
                + command.qualifiedName() + " --help')");
        return ExitCode.USAGE;
    }

    private static int failure(Exception e, CommandLine commandLine, ParseResult parsed) {
        PrintWriter err = commandLine.getErr();
        // The full exception, build logs included, for whoever turns on DEBUG logging.
        LoggerFactory.getLogger(Main.class).debug("{} failed", commandLine.getCommandSpec().qualifiedName(), e);
        if (e instanceof IllegalArgumentException) {
            err.println(ERROR_PREFIX + Messages.oneLine(e));
            return ExitCode.USAGE;
        }
        if (e instanceof OpenClException || e instanceof UnsupportedOperationException || e instanceof IOException) {
            err.println(ERROR_PREFIX + Messages.oneLine(e));
            return ExitCode.SOFTWARE;
        }
        // Anything else is a bug in clconvt: keep the stack trace for the report.
        err.println("clconvt: internal error, please report: " + e);
        e.printStackTrace(err);
        return ExitCode.SOFTWARE;
    }
}
