package io.simforge.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * What an app pays for the runtime: its class path holds no DJL, no datasets, no evaluation or benchmark code, and,
 * without ONNX Runtime, stays within 1.5 MB.
 */
class RuntimeFootprintTest {
    @Test
    void nothingHeavyIsOnTheRuntimeClassPath() {
        for (String absent : new String[] {"ai.djl.Model", "io.simforge.datasets.FashionMnist", "io.simforge.eval.KMeans",
            "io.simforge.bench.EvalBenchmark", "com.google.protobuf.Message", "io.simforge.train.TrainingRun"}) {
            assertThrows(ClassNotFoundException.class, () -> Class.forName(absent), absent + " must not reach apps");
        }
        assertEquals(null, RuntimeFootprintTest.class.getResource("/io/simforge/datasets/fashion-mnist/LICENSE"),
                "the bundled dataset stays out of the runtime");
    }

    @Test
    void theRuntimeJarsWithoutOnnxRuntimeFitInOneAndAHalfMegabytes() throws Exception {
        long bytes = 0;
        StringBuilder jars = new StringBuilder();
        // The tests run on the module path (infer is a module), or on the class path: count the jars on either.
        String paths = System.getProperty("jdk.module.path", "") + File.pathSeparator
                + System.getProperty("java.class.path", "");
        for (String entry : paths.split(File.pathSeparator)) {
            if (entry.isBlank()) {
                continue;
            }
            Path p = Path.of(entry);
            String name = p.getFileName().toString();
            boolean runtime = name.endsWith(".jar") && !name.startsWith("onnxruntime") && !name.startsWith("junit")
                    && !name.startsWith("opentest4j") && !name.startsWith("apiguardian") && !name.startsWith("surefire")
                    && !name.startsWith("maven-surefire") && !name.startsWith("common-java") && !name.startsWith("junit-platform");
            if (runtime && Files.isRegularFile(p)) {
                bytes += Files.size(p);
                jars.append(name).append(' ');
            }
        }
        long infer = Files.walk(Path.of("target/classes")).filter(Files::isRegularFile).mapToLong(f -> f.toFile().length())
                .sum();
        assertTrue(jars.toString().contains("gson") && jars.toString().contains("simforge-core"),
                "the jars apps link are counted: " + jars);
        assertTrue(bytes + infer <= 1_500_000L, (bytes + infer) + " bytes: " + jars + "+ infer's classes");
    }
}
