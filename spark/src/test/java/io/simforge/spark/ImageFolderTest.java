package io.simforge.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.simforge.core.data.ImageList;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ImageFolder} lists a folder as {@code simforge embed} does and reads each file's bytes only when used. */
class ImageFolderTest {
    @TempDir
    static Path dir;

    static SparkSession spark;

    @BeforeAll
    static void setUp() {
        spark = SparkFixtures.session("local[2]");
    }

    @AfterAll
    static void tearDown() {
        spark.stop();
    }

    @Test
    void rowsAreSimforgeEmbedsListingInIdOrderWithTheFilesBytes() throws Exception {
        Path root = dir.resolve("photos with spaces");
        // Not images: skipped. Nested folders: the first one names the class. Names with spaces and odd case.
        List<String> files = List.of("b-class/z.png", "b-class/deep/a.PNG", "a class/x y.jpg", "a class/.hidden.gif",
                "a class/notes.txt", "b-class/archive.zip");
        for (int i = 0; i < files.size(); i++) {
            Path f = root.resolve(files.get(i));
            Files.createDirectories(f.getParent());
            Files.write(f, ("bytes of file " + i).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        ImageList expected = ImageList.fromFolder(root);

        List<Row> rows = ImageFolder.read(spark, root.toString(), 1).collectAsList();

        assertEquals(List.of("a class/.hidden.gif", "a class/x y.jpg", "b-class/deep/a.PNG", "b-class/z.png"),
                rows.stream().map(r -> r.getString(0)).toList(), "sorted by id, images only");
        assertEquals(expected.ids(), rows.stream().map(r -> r.getString(0)).toList());
        assertEquals(List.of("id", "label", "path", "content"),
                Arrays.asList(ImageFolder.read(spark, root.toString()).columns()));
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            assertEquals(expected.labels()[i], r.getInt(1), r.getString(0));
            assertTrue(r.getString(2).startsWith("file:/") && r.getString(2).endsWith("/" + r.getString(0)),
                    r.getString(2));
            assertArrayEquals(Files.readAllBytes(root.resolve(r.getString(0))), (byte[]) r.get(3), r.getString(0));
        }
    }

    @Test
    void partitionsHoldConsecutiveImagesAndNoLabelColumnWithoutClassFolders() throws Exception {
        Path root = dir.resolve("flat");
        Files.createDirectories(root);
        for (int i = 0; i < 20; i++) {
            Files.write(root.resolve(String.format("img-%02d.png", i)), new byte[] {(byte) i});
        }
        Dataset<Row> images = ImageFolder.read(spark, root.toString(), 3);
        assertEquals(List.of("id", "path", "content"), Arrays.asList(images.columns()));
        // 20 images at 3 a partition on a default parallelism of 4: 2 waves of 4 partitions.
        assertEquals(8, images.rdd().getNumPartitions());
        List<Row> rows = images.collectAsList();
        for (int i = 0; i < 20; i++) {
            assertEquals(String.format("img-%02d.png", i), rows.get(i).getString(0));
            assertArrayEquals(new byte[] {(byte) i}, (byte[]) rows.get(i).get(2));
        }
    }

    @Test
    void bytesAreReadOnlyWhenUsedAndAFileGoneSinceTheListingIsNamed() throws Exception {
        Path root = dir.resolve("vanishing");
        Files.createDirectories(root);
        Files.write(root.resolve("kept.png"), new byte[] {1});
        Files.write(root.resolve("gone.png"), new byte[] {2});
        Dataset<Row> images = ImageFolder.read(spark, root.toString());
        Files.delete(root.resolve("gone.png"));

        assertEquals(List.of("gone.png", "kept.png"), images.select("id").as(org.apache.spark.sql.Encoders.STRING())
                .collectAsList(), "the listing stands; no file was opened");
        Exception e = assertThrows(Exception.class, () -> images.select("content").collectAsList());
        String message = messages(e);
        assertTrue(message.contains("cannot read the image file") && message.contains("gone.png")
                && message.contains("Read the folder again"), message);
    }

    @Test
    void aFolderWithoutImagesOrNoFolderIsRefusedWithTheReason() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("no-images"));
        Files.writeString(empty.resolve("readme.txt"), "not an image");
        SimforgeSparkException none = assertThrows(SimforgeSparkException.class,
                () -> ImageFolder.read(spark, empty.toString()));
        assertTrue(none.getMessage().contains("holds no image files"), none.getMessage());
        SimforgeSparkException missing = assertThrows(SimforgeSparkException.class,
                () -> ImageFolder.read(spark, dir.resolve("nowhere").toString()));
        assertTrue(missing.getMessage().contains("image folder not found"), missing.getMessage());
        SimforgeSparkException file = assertThrows(SimforgeSparkException.class,
                () -> ImageFolder.read(spark, empty.resolve("readme.txt").toString()));
        assertTrue(file.getMessage().contains("is not a folder"), file.getMessage());
    }

    /** The messages of an exception and its causes (Spark wraps the task's exception). */
    private static String messages(Throwable t) {
        StringBuilder all = new StringBuilder();
        for (; t != null; t = t.getCause() == t ? null : t.getCause()) {
            all.append(t.getMessage()).append('\n');
        }
        return all.toString();
    }
}
