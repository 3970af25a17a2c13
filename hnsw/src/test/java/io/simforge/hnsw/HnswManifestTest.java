package io.simforge.hnsw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.simforge.core.error.UnreadableFileException;
import io.simforge.core.fuzz.Fuzzer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HnswManifestTest {
    @TempDir
    Path tmp;

    @Test
    void theGoldenVersion1ManifestReads() throws Exception {
        HnswManifest m = HnswManifest.FORMAT.read(Path.of("src/test/resources/golden/hnsw-manifest-v1.json"),
                HnswManifest.class);
        assertEquals(new HnswManifest(128, "COSINE", 16, 100, "INT8", "SIMD",
                "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0", "0.1.0-SNAPSHOT", "9.12.3"), m);
    }

    @Test
    void aNewIndexRecordsItsSettingsAndVersions() throws Exception {
        Path folder = tmp.resolve("i");
        HnswIndex.builder().setFolder(folder).setDimension(5).optM(8).optBeamWidth(40)
                .optMetric(io.simforge.infer.VectorIndex.Metric.DOT).build().close();
        HnswManifest m = HnswManifest.FORMAT.read(folder.resolve(HnswManifest.FILE_NAME), HnswManifest.class);
        assertEquals(5, m.dimension());
        assertEquals("DOT", m.metric());
        assertEquals(8, m.m());
        assertEquals(40, m.beamWidth());
        assertEquals("9.12.3", m.luceneVersion());
        assertTrue(m.simforgeVersion().matches("\\d+\\.\\d+\\.\\d+.*"), m.simforgeVersion());
    }

    @Test
    void damagedManifestsAreRefusedNamingTheFile() throws Exception {
        Path folder = tmp.resolve("fuzz");
        HnswIndex.builder().setFolder(folder).setDimension(3).build().close();
        Path manifest = folder.resolve(HnswManifest.FILE_NAME);
        byte[] valid = Files.readAllBytes(manifest);
        Fuzzer.Outcome o = new Fuzzer("HnswIndex.open (manifest)", folder, HnswManifest.FILE_NAME,
                t -> t instanceof UnreadableFileException, p -> HnswIndex.open(p.getParent()).close())
                .seed(valid).run();
        assertTrue(o.read() > 0 && o.refused() > 0, "manifest: " + o);
    }
}
