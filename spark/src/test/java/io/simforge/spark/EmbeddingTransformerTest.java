package io.simforge.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import io.simforge.core.io.Npy;
import io.simforge.export.ModelExport;
import io.simforge.export.OnnxExporter;
import io.simforge.infer.Embedder;
import io.simforge.infer.extract.ExtractionJob;
import io.simforge.infer.extract.ItemSource;
import io.simforge.models.Architecture;
import io.simforge.train.UntrainedNetwork;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The transformer in {@code local[2]} against {@code simforge embed} ({@link ExtractionJob}) on the same folder of
 * real images: the same ids, labels and embeddings, corrupt files as nulls with a reason, one embedder per JVM,
 * save and load in a pipeline, vectors in, a broken model refused before any task.
 */
class EmbeddingTransformerTest {
    @TempDir
    static Path dir;

    static SparkSession spark;
    static Path model;
    static Path images;
    /** What {@code simforge embed} wrote for {@link #images}: id → embedding, id → label, rejected ids. */
    static Map<String, float[]> reference = new HashMap<>();
    static Map<String, Integer> referenceLabels = new HashMap<>();
    static List<String> referenceRejects = new ArrayList<>();

    @BeforeAll
    static void setUp() throws Exception {
        model = SparkFixtures.model(dir);
        images = dir.resolve("images");
        SparkFixtures.writePngs(images, 30);
        Files.writeString(images.resolve("trouser/broken.png"), "not really a png");
        byte[] png = Files.readAllBytes(images.resolve("coat/img-0004.png"));
        Files.write(images.resolve("coat/truncated.png"), java.util.Arrays.copyOf(png, png.length / 3));
        Path out = dir.resolve("embed");
        try (Embedder e = Embedder.builder().setModelPath(model).build()) {
            ExtractionJob.builder().setEmbedder(e, model).setOutput(out)
                    .setSource(ItemSource.folder(images, e.imagePreprocessor())).build().run();
        }
        Npy.FloatArray e = Npy.readFloats(out.resolve("embeddings.npy"));
        int[] labels = Npy.readInts(out.resolve("labels.npy"));
        List<String> ids = Files.readAllLines(out.resolve("ids.txt"));
        for (int i = 0; i < ids.size(); i++) {
            reference.put(ids.get(i), java.util.Arrays.copyOfRange(e.values(), i * 16, (i + 1) * 16));
            referenceLabels.put(ids.get(i), labels[i]);
        }
        for (String line : Files.readAllLines(out.resolve("rejects.tsv")).subList(1, 3)) {
            referenceRejects.add(line.substring(0, line.indexOf('\t')));
        }
        spark = SparkFixtures.session("local[2]");
    }

    @AfterAll
    static void tearDown() {
        spark.stop();
    }

    @Test
    void imageFilesEmbedAsSimforgeEmbedDoesRowForRowAndCorruptFilesGetAReason() throws Exception {
        assertEquals(150, reference.size());
        int opened = ExecutorEmbedders.opened();
        Dataset<Row> folder = ImageFolder.read(spark, images.toString()).repartition(5);
        Dataset<Row> out = new EmbeddingTransformer().setModelPath(model.toString()).setIdCol("id").setBatchSize(7)
                .transform(folder);
        List<Row> rows = out.select("id", "label", "embedding", "embedding_error").collectAsList();
        assertEquals(152, rows.size());
        assertEquals(1, ExecutorEmbedders.opened() - opened, "one embedder for every task and partition of the JVM");
        double worst = 0;
        List<String> rejected = new ArrayList<>();
        for (Row r : rows) {
            String id = r.getString(0);
            if (r.isNullAt(2)) {
                assertNotNull(r.getString(3), id);
                // The decoder's reason, naming the row: "cannot decode trouser/broken.png: not an image …",
                // "coat/truncated.png: Error reading PNG image data".
                assertTrue(r.getString(3).contains(id) && r.getString(3).length() > id.length() + 10, r.getString(3));
                rejected.add(id);
                continue;
            }
            assertNull(r.get(3));
            float[] want = reference.get(id);
            assertNotNull(want, "simforge embed has no row " + id);
            assertEquals(referenceLabels.get(id), r.getInt(1), id);
            List<Float> got = r.getList(2);
            for (int d = 0; d < want.length; d++) {
                worst = Math.max(worst, Math.abs(got.get(d) - want[d]));
            }
        }
        assertTrue(worst <= 1e-6, "largest difference from simforge embed: " + worst);
        assertEquals(List.of("coat/truncated.png", "trouser/broken.png"), rejected.stream().sorted().toList());
        assertEquals(referenceRejects.stream().sorted().toList(), rejected.stream().sorted().toList());

        // The driver's per-stage report counts both (the listener bus delivers it shortly after the job).
        StageProgressListener.StageReport report = awaitReport(150, 2);
        assertTrue(report.bytesRead() > 0);
        assertTrue(report.toString().contains("images/s"), report.toString());
    }

    private static StageProgressListener.StageReport awaitReport(long embedded, long rejected) throws Exception {
        for (int i = 0; i < 100; i++) {
            for (StageProgressListener.StageReport r : StageProgressListener.reports(spark.sparkContext())) {
                if (r.embedded() == embedded && r.rejected() == rejected) {
                    return r;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no stage reported " + embedded + " embedded and " + rejected + " rejected: "
                + StageProgressListener.reports(spark.sparkContext()));
    }

    @Test
    void sparksImageSourceGivesTheSameEmbeddingsAsTheFiles() {
        Dataset<Row> decoded = spark.read().format("image").option("recursiveFileLookup", "true")
                .load(images.toString());
        List<Row> rows = new EmbeddingTransformer().setModelPath(model.toString()).setInputCol("image")
                .setOutputType(EmbeddingTransformer.OutputType.VECTOR).transform(decoded)
                .select("image.origin", "embedding", "embedding_error").collectAsList();
        assertEquals(152, rows.size());
        double worst = 0;
        int nulls = 0;
        for (Row r : rows) {
            String origin = r.getString(0);
            String id = origin.substring(origin.indexOf("/images/") + "/images/".length());
            if (r.isNullAt(1)) {
                nulls++;
                assertTrue(r.getString(2).contains("could not decode"), r.getString(2));
                continue;
            }
            Vector v = (Vector) r.get(1);
            float[] want = reference.get(id);
            for (int d = 0; d < want.length; d++) {
                worst = Math.max(worst, Math.abs(v.apply(d) - want[d]));
            }
        }
        assertEquals(2, nulls);
        assertTrue(worst <= 1e-6, "largest difference: " + worst);
    }

    @Test
    void savedInAPipelineItLoadsWithItsOwnCopyOfTheModel() throws Exception {
        Path movable = dir.resolve("movable");
        Files.createDirectories(movable);
        Files.copy(model, movable.resolve("model.onnx"));
        Dataset<Row> folder = ImageFolder.read(spark, images.resolve("dress").toString());
        EmbeddingTransformer stage = new EmbeddingTransformer().setModelPath(movable.resolve("model.onnx").toString())
                .setBatchSize(5).setOutputCol("e");
        PipelineModel fitted = new Pipeline().setStages(new PipelineStage[] {stage}).fit(folder);
        Path saved = dir.resolve("pipeline");
        fitted.write().save(saved.toString());
        Files.delete(movable.resolve("model.onnx")); // the saved pipeline must not need it

        PipelineModel loaded = PipelineModel.load(saved.toString());
        EmbeddingTransformer back = (EmbeddingTransformer) loaded.stages()[0];
        assertEquals(5, back.getOrDefault(back.batchSize()));
        assertEquals("e", back.getOrDefault(back.outputCol()));
        assertTrue(back.getModelPath().startsWith(saved.toUri().toString().replaceAll("/$", ""))
                || back.getModelPath().contains(saved.toString()), back.getModelPath());
        List<Row> rows = loaded.transform(folder).select("id", "e").collectAsList();
        assertEquals(30, rows.size());
        for (Row r : rows) {
            List<Float> got = r.getList(1);
            float[] want = reference.get("dress/" + r.getString(0));
            for (int d = 0; d < want.length; d++) {
                assertEquals(want[d], got.get(d), 1e-6f);
            }
        }
    }

    @Test
    void vectorsEmbedLikeTheEmbedderAndAWrongLengthIsARowError() throws Exception {
        Architecture mlp = Architecture.mlp(new int[] {6}, 4, 8);
        Path vectorModel = dir.resolve("mlp.onnx");
        try (Model m = UntrainedNetwork.create(mlp, 5)) {
            OnnxExporter.builder().setBlock(m.getBlock()).setMetadata(ModelExport.metadataFor(mlp, null, "{}")).build()
                    .export(vectorModel);
        }
        Random random = new Random(9);
        List<Row> input = new ArrayList<>();
        float[] all = new float[20 * 6];
        for (int i = 0; i < 20; i++) {
            Float[] v = new Float[6];
            for (int d = 0; d < 6; d++) {
                all[i * 6 + d] = (float) random.nextGaussian();
                v[d] = all[i * 6 + d];
            }
            input.add(RowFactory.create(i, java.util.Arrays.asList(v)));
        }
        input.add(RowFactory.create(20, java.util.Arrays.asList(1f, 2f, 3f)));
        StructType schema = new StructType().add("n", DataTypes.IntegerType)
                .add("features", DataTypes.createArrayType(DataTypes.FloatType));
        List<Row> rows = new EmbeddingTransformer().setModelPath(vectorModel.toString()).setInputCol("features")
                .setBatchSize(3).transform(spark.createDataFrame(input, schema).repartition(3)).orderBy("n")
                .collectAsList();
        float[] want;
        try (Embedder e = Embedder.builder().setModelPath(vectorModel).build()) {
            want = e.embed(all);
        }
        for (int i = 0; i < 20; i++) {
            List<Float> got = rows.get(i).getList(2);
            float[] g = new float[4];
            for (int d = 0; d < 4; d++) {
                g[d] = got.get(d);
            }
            assertArrayEquals(java.util.Arrays.copyOfRange(want, i * 4, i * 4 + 4), g, 1e-6f);
        }
        assertTrue(rows.get(20).isNullAt(2));
        assertTrue(rows.get(20).getString(3).contains("has 3 values; the model takes 6"), rows.get(20).getString(3));

        // An image model given vectors is refused before anything runs, and so is the reverse.
        SimforgeSparkException wrong = assertThrows(SimforgeSparkException.class, () -> new EmbeddingTransformer()
                .setModelPath(model.toString()).setInputCol("features").transform(spark.createDataFrame(input, schema)));
        assertTrue(wrong.getMessage().contains("takes images"), wrong.getMessage());
    }

    @Test
    void aModelFromElsewhereEmbedsImageFilesAsPyTorchDid() throws Exception {
        // Exported from PyTorch with its preprocessor_config.json beside it; expected-images.npy is the script's own
        // preprocessing and forward pass over the five image files, in name order.
        Path classic = Path.of("..", "infer", "src", "test", "resources", "foreign", "classic");
        List<Row> rows = new EmbeddingTransformer().setModelPath(classic.resolve("net.onnx").toString())
                .transform(ImageFolder.read(spark, classic.resolve("images").toString()))
                .select("id", "embedding", "embedding_error").orderBy("id").collectAsList();
        float[] want = Npy.readFloats(classic.resolve("expected-images.npy")).values();
        int dim = want.length / 5;
        assertEquals(List.of("image-0.png", "image-1.png", "image-2.png", "image-3.png", "image-4.png"),
                rows.stream().map(r -> r.getString(0)).toList());
        for (int i = 0; i < rows.size(); i++) {
            assertNull(rows.get(i).get(2));
            List<Float> got = rows.get(i).getList(1);
            for (int d = 0; d < dim; d++) {
                assertEquals(want[i * dim + d], got.get(d), 1e-4f, rows.get(i).getString(0) + " dimension " + d);
            }
        }
    }

    @Test
    void aModelThatCannotServeFailsAtOnceWithVerifysWords() throws Exception {
        byte[] bytes = Files.readAllBytes(model);
        Path truncated = dir.resolve("truncated.onnx");
        Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        Dataset<Row> folder = ImageFolder.read(spark, images.toString());
        long jobsBefore = spark.sparkContext().statusTracker().getJobIdsForGroup(null).length;
        SimforgeSparkException e = assertThrows(SimforgeSparkException.class, () -> new EmbeddingTransformer()
                .setModelPath(truncated.toString()).transform(folder));
        assertTrue(e.getMessage().contains("`simforge verify " + truncated + "` says"), e.getMessage());
        assertTrue(e.getMessage().contains("FAIL file") && e.getMessage().contains("truncated, damaged or not ONNX"),
                e.getMessage());

        SimforgeSparkException missing = assertThrows(SimforgeSparkException.class, () -> new EmbeddingTransformer()
                .setModelPath(dir.resolve("nowhere.onnx").toString()).transform(folder));
        assertTrue(missing.getMessage().contains("model file not found"), missing.getMessage());
        assertEquals(jobsBefore, spark.sparkContext().statusTracker().getJobIdsForGroup(null).length,
                "no Spark job ran for a refused model");
        assertFalse(folder.isEmpty());
    }
}
