package io.clconvt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

/** What one in-process run of the command line printed and returned. */
record CliResult(int exitCode, String out, String err) {
    static CliResult run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exitCode = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        return new CliResult(exitCode, out.toString(), err.toString());
    }

    /** Asserts an invalid-input failure: exit 2 and exactly one prefixed stderr line containing {@code fragment}. */
    void assertInvalidInput(String fragment) {
        assertEquals(2, exitCode, this::toString);
        assertOneErrorLine(fragment);
    }

    void assertOneErrorLine(String fragment) {
        List<String> lines = err.lines().toList();
        assertEquals(1, lines.size(), "stderr must be one line: " + err);
        assertTrue(lines.get(0).startsWith("clconvt: error: "), lines.get(0));
        assertTrue(lines.get(0).contains(fragment), "expected '" + fragment + "' in: " + lines.get(0));
    }
}
