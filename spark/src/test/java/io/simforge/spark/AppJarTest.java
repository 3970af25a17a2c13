package io.simforge.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The application jar as spark-submit would run it: a fresh JVM whose class path is the jar and Spark's own jars,
 * nothing else of simforge's, ONNX Runtime's, Gson's or TwelveMonkeys', runs {@link EmbedImagesJob} in
 * {@code local[2]} on real images. Runs in the {@code app-jar} profile, after the jar is built.
 */
@EnabledIfSystemProperty(named = "simforge.appJar", matches = ".+")
class AppJarTest {
    @Test
    void theAppJarCarriesSimforgeAndOnnxRuntimeButNotSparkAndRunsInLocalMode() throws Exception {
        Path jar = Path.of(System.getProperty("simforge.appJar"));
        try (JarFile j = new JarFile(jar.toFile())) {
            assertNotNull(j.getEntry("io/simforge/spark/EmbeddingTransformer.class"));
            assertNotNull(j.getEntry("io/simforge/infer/Embedder.class"));
            assertNotNull(j.getEntry("ai/onnxruntime/OrtSession.class"));
            assertNull(j.getEntry("org/apache/spark/sql/Dataset.class"), "Spark comes from the cluster");
            assertNull(j.getEntry("scala/Option.class"), "Scala comes from the cluster");
            assertNull(j.getEntry("ai/djl/Model.class"), "no DJL in what executors run");
        }
        // Under target/, kept after the run: the child's log.txt and command.txt are what to read when it fails.
        Path dir = Path.of("target", "app-jar-test").toAbsolutePath();
        if (Files.exists(dir)) {
            try (var walk = Files.walk(dir)) {
                for (Path f : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(f);
                }
            }
        }
        Files.createDirectories(dir);
        Path model = SparkFixtures.model(dir);
        Path images = dir.resolve("images");
        SparkFixtures.writePngs(images, 10);
        Files.writeString(images.resolve("coat/broken.jpg"), "not a jpeg");

        List<String> sparkOnly = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String e = entry.replace('\\', '/');
            boolean ours = e.contains("/target/") || e.contains("/io/simforge/") || e.contains("onnxruntime")
                    || e.contains("/com/google/code/gson/") || e.contains("twelvemonkeys") || e.contains("/ai/djl/");
            if (!ours) {
                sparkOnly.add(entry);
            }
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(Arrays.asList(System.getProperty("simforge.sparkJvmOptions").trim().split("\\s+")));
        command.addAll(List.of("-Xmx1g", "-Dspark.master=local[2]", "-Dspark.driver.host=127.0.0.1",
                "-Dspark.driver.bindAddress=127.0.0.1", "-Dspark.ui.enabled=false",
                "io.simforge.spark.EmbedImagesJob", "--model", model.toString(), "--images", images.toString(),
                "--output", dir.resolve("out").toString(), "--top-k", "3", "--metrics", "--batch-size", "8"));
        Files.write(dir.resolve("command.txt"), command);
        // The class path goes in CLASSPATH, not -cp: ONNX Runtime 1.29's native library crashes the JVM (SIGSEGV, no
        // hs_err file) when the process's command line is longer than about 4 KB, and hundreds of jars spelled out
        // are. spark-submit's own launch passes Spark's jars as one wildcard, so its command lines stay short.
        ProcessBuilder launch = new ProcessBuilder(command);
        launch.environment().put("CLASSPATH", jar + File.pathSeparator + String.join(File.pathSeparator, sparkOnly));
        Process p = launch.redirectErrorStream(true).redirectOutput(dir.resolve("log.txt").toFile())
                .start();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the job did not finish in 5 minutes");
        String log = Files.readString(dir.resolve("log.txt"));
        assertEquals(0, p.exitValue(), log);
        assertTrue(log.contains("embedded 50 images, rejected 1"), log);
        assertTrue(log.contains("recall@1"), log);
        assertTrue(Files.isDirectory(dir.resolve("out/neighbours")), log);
        assertFalse(log.contains("ClassNotFoundException"), log);
    }
}
