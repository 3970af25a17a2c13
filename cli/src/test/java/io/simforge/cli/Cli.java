package io.simforge.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs the command line in-process for tests, with its standard output swallowed; returns the exit code. */
final class Cli {
    private Cli() {}

    static int run(String... args) {
        PrintStream original = System.out;
        try {
            System.setOut(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
            return Main.commandLine().execute(args);
        } finally {
            System.setOut(original);
        }
    }
}
