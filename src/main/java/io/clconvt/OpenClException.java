package io.clconvt;

/**
 * An OpenCL call failed, or OpenCL is not usable here. Carries the failing call and the OpenCL status
 * name (for example {@code CL_OUT_OF_RESOURCES}); a failed program build also carries the full build log.
 */
public class OpenClException extends RuntimeException {
    private final String call;
    private final String statusName;
    private final String buildLog;

    public OpenClException(String call, String statusName, String message, String buildLog, Throwable cause) {
        super(call + " failed with " + statusName + (message == null ? "" : ": " + message)
                + (buildLog == null ? "" : "\nbuild log:\n" + buildLog), cause);
        this.call = call;
        this.statusName = statusName;
        this.buildLog = buildLog;
    }

    public OpenClException(String call, String statusName, String message) {
        this(call, statusName, message, null, null);
    }

    /** The OpenCL function (or step) that failed, e.g. {@code clBuildProgram}. */
    public String call() {
        return call;
    }

    /** The OpenCL status name, e.g. {@code CL_BUILD_PROGRAM_FAILURE}. */
    public String statusName() {
        return statusName;
    }

    /** The full compiler output for a failed build; null for other failures. */
    public String buildLog() {
        return buildLog;
    }
}
