package io.clconvt.cli;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.Arrays;
import java.util.stream.Collectors;

/** Text shared by the commands, so that shapes and errors read the same everywhere. */
final class Messages {
    private Messages() {
    }

    /** A shape the way NumPy prints it, e.g. {@code (1, 256, 688)} or {@code (5,)}. */
    static String shape(int[] shape) {
        return shape.length == 1 ? "(" + shape[0] + ",)"
                : Arrays.stream(shape).mapToObj(Integer::toString).collect(Collectors.joining(", ", "(", ")"));
    }

    /**
     * The first line of the exception's message (OpenCL build failures append the whole build log),
     * or its type when it has no message.
     */
    static String oneLine(Throwable e) {
        String message = e.getMessage();
        if (message == null || message.isBlank()) {
            return e.getClass().getSimpleName();
        }
        return message.lines().findFirst().orElse(message).strip();
    }

    /**
     * Why an I/O operation failed, without the path, which callers name themselves. NoSuchFileException's
     * own message is only the path.
     */
    static String reason(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileSystemException fs && fs.getReason() != null) {
            return fs.getReason();
        }
        return oneLine(e);
    }
}
