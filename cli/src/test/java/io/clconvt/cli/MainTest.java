package io.clconvt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MainTest {
    @Test
    void helpListsTheThreeCommands() {
        CliResult result = CliResult.run("--help");
        assertEquals(0, result.exitCode());
        for (String command : new String[] {"devices", "run", "demo"}) {
            assertTrue(result.out().lines().anyMatch(line -> line.strip().startsWith(command + " ")), result.out());
        }
    }

    @Test
    void versionIsPrinted() {
        CliResult result = CliResult.run("--version");
        assertEquals(0, result.exitCode());
        assertEquals("clconvt 0.1.0", result.out().strip());
    }

    @Test
    void noCommandIsAUsageError() {
        CliResult.run().assertInvalidInput("missing command");
    }

    @Test
    void unknownCommandIsAShortUsageError() {
        CliResult.run("transmogrify").assertInvalidInput("transmogrify");
    }

    @Test
    void subcommandHelpShowsItsOptions() {
        CliResult result = CliResult.run("run", "--help");
        assertEquals(0, result.exitCode());
        assertTrue(result.out().contains("--output-padding"), result.out());
        assertTrue(result.out().contains("P|L,R|SAME|VALID"), result.out());
    }
}
