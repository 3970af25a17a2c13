package io.simforge.tests.fuzz;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.simforge.core.error.SimforgeException;
import io.simforge.core.error.UnreadableFileException;
import io.simforge.core.fuzz.Fuzzer;
import io.simforge.core.model.ModelMetadata;
import io.simforge.core.model.ModelSettings;
import io.simforge.core.model.Preprocessing;
import io.simforge.infer.ExactIndex;
import io.simforge.infer.ModelSettingsFiles;
import io.simforge.infer.extract.ExtractionJob;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The readers of the runtime's files on damaged input ({@link Fuzzer}): the index (every version), the extraction's
 * summary and manifest, and the two settings files of a foreign model only ever give a value or a
 * {@link SimforgeException} naming the file.
 */
class InferReadersFuzzTest {
    @TempDir
    Path dir;

    /** The runtime's golden files, kept with its own tests. */
    private static Path golden(String name) {
        return Path.of("..", "infer", "src", "test", "resources", "golden").resolve(name);
    }

    @Test
    void indexFiles() throws Exception {
        Fuzzer f = new Fuzzer("ExactIndex.load", dir, "x.sfindex", t -> t instanceof UnreadableFileException,
                ExactIndex::load);
        for (String old : new String[] {"index-v1.sfindex", "index-v2-float32.sfindex", "index-v2-float16.sfindex",
                "index-v3-float32.sfindex", "index-v3-float16.sfindex", "index-v4-float16.sfindex", "index-v5-float16.sfindex",
                "index-v5-int8.sfindex", "index-v6-float32.sfindex", "index-v6-float16.sfindex", "index-v6-int8.sfindex"}) {
            f.seed(golden(old));
        }
        for (ExactIndex.Storage storage : ExactIndex.Storage.values()) {
            ExactIndex index = new ExactIndex(4, ExactIndex.Metric.COSINE, storage);
            Random r = new Random(1);
            List<String> ids = new ArrayList<>();
            float[] v = new float[5 * 4];
            for (int i = 0; i < 5; i++) {
                ids.add("item-" + i);
            }
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) r.nextGaussian();
            }
            index.addAll(ids, v);
            Path file = dir.resolve("current-" + storage + ".sfindex");
            index.save(file);
            f.seed(file);
        }
        Fuzzer.Outcome o = f.run();
        assertTrue(o.read() > 0 && o.refused() > 0, "index: " + o);
    }

    @Test
    void indexAttributeFiles() throws Exception {
        Fuzzer.Outcome o = new Fuzzer("ExactIndex.load (attributes)", dir, "x.sfindex.attributes",
                t -> t instanceof UnreadableFileException, p -> {
                    Path index = p.resolveSibling("x.sfindex"); // the damaged file's index, beside it
                    if (!java.nio.file.Files.exists(index)) {
                        java.nio.file.Files.copy(golden("index-attributes-v1.sfindex"), index);
                    }
                    ExactIndex.load(index);
                })
                .seed(golden("index-attributes-v1.sfindex.attributes")).run();
        // Its CRC32 footer catches nearly every mutation of so small a file: refusals are what is expected here.
        assertTrue(o.cases() > 100 && o.refused() > 0, "index attributes: " + o);
    }

    @Test
    void extractionSummariesAndManifests() throws Exception {
        Fuzzer.Outcome o = new Fuzzer("ExtractionJob.readSummary", dir, "manifest.json",
                t -> t instanceof UnreadableFileException || t instanceof io.simforge.core.error.SimforgeIOException,
                ExtractionJob::readSummary)
                .seed(golden("extraction-v1/extraction.json"))
                .seed(golden("extraction-v1-interrupted/.parts/manifest.json")).run();
        assertTrue(o.read() > 0 && o.refused() > 0, "extraction: " + o);
    }

    @Test
    void settingsFiles() throws Exception {
        Path sidecar = dir.resolve("net.simforge.json");
        ModelSettingsFiles.writeSidecar(sidecar, new ModelSettings("pixel_values", "embedding",
                ModelMetadata.InputKind.IMAGE, new int[] {3, 32, 32}, ModelSettings.Layout.NHWC,
                ModelSettings.ChannelOrder.BGR, new Preprocessing(3, 32, 32, 1 / 255f, new float[] {0.5f, 0.4f, 0.3f},
                new float[] {0.2f, 0.2f, 0.2f}, 36), ModelSettings.Pooling.MEAN, true, 0));
        Fuzzer.Outcome o = new Fuzzer("ModelSettingsFiles.readSidecar", dir, "net.simforge.json",
                t -> t instanceof SimforgeException, ModelSettingsFiles::readSidecar).seed(sidecar).run();
        assertTrue(o.read() > 0 && o.refused() > 0, "sidecar: " + o);
        String hf = "{\n  \"crop_size\": {\"height\": 224, \"width\": 224},\n  \"do_center_crop\": true,\n"
                + "  \"do_normalize\": true,\n  \"do_rescale\": true,\n  \"do_resize\": true,\n"
                + "  \"image_mean\": [0.485, 0.456, 0.406],\n  \"image_processor_type\": \"BitImageProcessor\",\n"
                + "  \"image_std\": [0.229, 0.224, 0.225],\n  \"resample\": 3,\n  \"rescale_factor\": 0.00392156862745098,\n"
                + "  \"size\": {\"shortest_edge\": 256}\n}\n";
        o = new Fuzzer("ModelSettingsFiles.readHuggingFace", dir, "preprocessor_config.json",
                t -> t instanceof SimforgeException, file -> ModelSettingsFiles.readHuggingFace(file, new ArrayList<>()))
                .seed(hf.getBytes(StandardCharsets.UTF_8)).run(3611673301574489774L); // not UTF-8: a message without the file
        assertTrue(o.read() > 0 && o.refused() > 0, "preprocessor_config.json: " + o);
    }
}
