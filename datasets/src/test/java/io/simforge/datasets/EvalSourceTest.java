package io.simforge.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** eval/source.json: the version 1 golden file keeps loading, it round-trips, newer and foreign files are refused. */
class EvalSourceTest {
    @TempDir
    Path dir;

    private static Path golden(String name) throws Exception {
        return Path.of(EvalSourceTest.class.getResource("/golden/" + name).toURI());
    }

    @Test
    void evalSourceVersion1LoadsAndRoundTrips() throws Exception {
        EvalSource s = EvalSource.read(golden("eval-source-v1.json"));
        assertEquals("bundled", s.data());
        assertEquals(List.of(5, 6), s.classes());
        assertEquals("Shirt", s.className(6));
        assertEquals("class 9", s.className(9));
        Path f = dir.resolve("source.json");
        s.write(f);
        assertEquals(s, EvalSource.read(f));
        assertEquals(Files.readString(golden("eval-source-v1.json")).replace("\"version\": 1", "\"version\": 2"),
                Files.readString(f), "IDX sources are written as before, at version 2");
        EvalSource files = EvalSource.imageFiles(dir.resolve("images"), java.util.Map.of(0, "1f600"));
        files.write(f);
        assertEquals(files, EvalSource.read(f));
        assertTrue(files.isImageFiles() && !s.isImageFiles());
        Files.writeString(f, "{\"format\":\"something-else\",\"version\":1}");
        assertThrows(IOException.class, () -> EvalSource.read(f));
        Files.writeString(f, "{\"data\":\"bundled\"}");
        assertTrue(assertThrows(IOException.class, () -> EvalSource.read(f)).getMessage()
                .equals(f + " is not a simforge eval source file: it does not name its format"));
        Files.writeString(f, "{\"format\":\"simforge-eval-source\",\"version\":3,\"data\":\"bundled\"}");
        assertEquals(f + " is a simforge eval source file of version 3, newer than this simforge reads (up to 2): "
                + "upgrade simforge", assertThrows(IOException.class, () -> EvalSource.read(f)).getMessage());
    }
}
