package io.simforge.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
    @TempDir
    Path dir;

    @Test
    void aFailedWriteLeavesTheOldFileAndNoTempFiles() throws IOException {
        Path target = dir.resolve("model.onnx");
        AtomicFiles.writeString(target, "version 1");
        assertThrows(IOException.class, () -> AtomicFiles.write(target, out -> {
            out.write("half of version 2".getBytes());
            throw new IOException("disk full");
        }));
        assertEquals("version 1", Files.readString(target));
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "the temp file is cleaned up");
        }
    }

    @Test
    void writtenFilesAreReadableByOthers() throws IOException {
        Path target = dir.resolve("shared.json");
        AtomicFiles.writeString(target, "{}");
        if (target.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(target)));
        }
        assertTrue(Files.isReadable(target));
    }
}
