package io.simforge.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** eval/source.json: the version 1 golden file keeps loading, and it round-trips. */
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
        Files.writeString(f, "{\"format\":\"something-else\",\"version\":1}");
        assertThrows(IOException.class, () -> EvalSource.read(f));
    }
}
