package io.simforge.core.fuzz;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.simforge.core.format.FormatException;
import io.simforge.core.io.Npy;
import io.simforge.core.model.ModelSettings;
import io.simforge.core.run.TrainingLog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The readers of core's files on damaged input ({@link Fuzzer}): {@code .npy}, the training log and a model's
 * metadata only ever give a value or their documented refusal naming the file.
 */
class CoreReadersFuzzTest {
    @TempDir
    Path dir;

    private static Path resource(String path) throws Exception {
        return Path.of(CoreReadersFuzzTest.class.getResource(path).toURI());
    }

    @Test
    void npyFiles() throws Exception {
        Fuzzer f = new Fuzzer("Npy.readFloats", dir, "x.npy", t -> t instanceof FormatException, file -> {
            Npy.readFloats(file);
            Npy.readShape(file);
        });
        try (var files = Files.list(resource("/npy")).sorted()) {
            for (Path p : files.filter(p -> p.toString().endsWith(".npy")).toList()) {
                f.seed(p);
            }
        }
        Path written = dir.resolve("w.npy");
        Npy.writeFloats(written, new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        f.seed(written);
        // Found against the reader before it checked its header: a plain IOException, a NumberFormatException.
        Fuzzer.Outcome o = f.run(-8726156217676553200L, -8201216457163430513L);
        assertTrue(o.read() > 0 && o.refused() > 0, "Npy: " + o);
        Fuzzer labels = new Fuzzer("Npy.readInts", dir, "y.npy", t -> t instanceof FormatException, Npy::readInts);
        Path ints = dir.resolve("i.npy");
        Npy.writeInts(ints, new int[] {0, 1, 1, 2, 7});
        assertTrue(labels.seed(ints).run().cases() > 0);
    }

    @Test
    void trainingLogs() throws Exception {
        Fuzzer f = new Fuzzer("TrainingLog.read", dir, "train-log.jsonl", t -> t instanceof FormatException,
                TrainingLog::read).seed(resource("/golden/training-log-v1.jsonl"));
        // Found against the reader before this test: a plain IOException; a decoding error not naming the file.
        Fuzzer.Outcome o = f.run(-7496723103451602483L, -3157433790346007816L);
        assertTrue(o.read() > 0 && o.refused() > 0, "training log: " + o);
    }

    /**
     * A model's {@code simforge.*} metadata, one {@code key=value} per line (how ONNX Runtime hands it over, as a
     * map), damaged: every value the reader meets is checked before it is used.
     */
    @Test
    void modelMetadata() throws Exception {
        Fuzzer f = new Fuzzer("ModelSettings.fromMetadata", dir, "model.onnx.metadata",
                t -> t instanceof IllegalArgumentException, file -> {
                    Map<String, String> m = new LinkedHashMap<>();
                    for (String line : new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1).split("\n")) {
                        int eq = line.indexOf('=');
                        if (eq > 0) {
                            m.put(line.substring(0, eq), line.substring(eq + 1));
                        }
                    }
                    ModelSettings.fromMetadata(m, file.toString());
                });
        for (String golden : new String[] {"/golden/model-metadata-v1.json", "/golden/model-metadata-v2.json"}) {
            var json = com.google.gson.JsonParser.parseString(Files.readString(resource(golden))).getAsJsonObject();
            StringBuilder lines = new StringBuilder();
            json.entrySet().forEach(e -> lines.append(e.getKey()).append('=').append(e.getValue().getAsString())
                    .append('\n'));
            f.seed(lines.toString().getBytes(StandardCharsets.ISO_8859_1));
        }
        Fuzzer.Outcome o = f.run();
        assertTrue(o.read() > 0 && o.refused() > 0, "metadata: " + o);
    }
}
