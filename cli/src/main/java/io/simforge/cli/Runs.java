package io.simforge.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

/** Run folders: {@code runs/<command>-<timestamp>} unless the user names one. */
final class Runs {
    private Runs() {}

    static Path create(Path requested, String command) throws IOException {
        Path dir = requested != null ? requested
                : Path.of("runs", command + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        Files.createDirectories(dir);
        return dir;
    }
}
