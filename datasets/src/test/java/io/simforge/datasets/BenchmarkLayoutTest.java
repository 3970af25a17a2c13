package io.simforge.datasets;

import io.simforge.core.data.DatasetException;
import io.simforge.core.data.ImageList;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Small replicas of each benchmark's layout, built here, read back with the standard splits. */
class BenchmarkLayoutTest {
    @TempDir
    Path dir;

    private static void image(Path file, int shade) throws Exception {
        Files.createDirectories(file.getParent());
        BufferedImage img = new BufferedImage(8, 6, BufferedImage.TYPE_INT_RGB);
        img.setRGB(0, 0, shade);
        ImageIO.write(img, "png", file.toFile());
    }

    private static Set<Integer> classes(ImageList l) {
        return Arrays.stream(l.labels()).boxed().collect(Collectors.toSet());
    }

    @Test
    void cubSplitsAtClass100() throws Exception {
        Path root = dir.resolve("CUB_200_2011");
        List<String> images = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        int id = 1;
        for (int c : new int[] {1, 100, 101, 200}) {
            for (int k = 0; k < 3; k++) {
                String path = String.format("%03d.Bird_%d/Bird_%d_%d.jpg", c, c, c, k);
                image(root.resolve("images").resolve(path), c);
                images.add(id + " " + path);
                labels.add(id + " " + c);
                id++;
            }
        }
        Files.write(root.resolve("images.txt"), images);
        Files.write(root.resolve("image_class_labels.txt"), labels);
        ImageList train = BenchmarkLayout.CUB.read(root, "train");
        ImageList test = BenchmarkLayout.parse("cub200").read(root, "test");
        assertEquals(6, train.size());
        assertEquals(Set.of(1, 100), classes(train));
        assertEquals(Set.of(101, 200), classes(test));
        assertEquals("images/001.Bird_1/Bird_1_0.jpg", train.ids().get(0));
        assertTrue(Files.isRegularFile(test.file(5)), "paths resolve to the images");
    }

    @Test
    void carsSplitsAtClass98FromTheListFile() throws Exception {
        Path root = dir.resolve("cars");
        List<String> lines = new ArrayList<>();
        int n = 0;
        for (int c : new int[] {1, 98, 99, 196}) {
            for (int k = 0; k < 2; k++) {
                String path = String.format("car_ims/%06d.jpg", ++n);
                image(root.resolve(path), c);
                lines.add(path + " " + c);
            }
        }
        DatasetException none = assertThrows(DatasetException.class, () -> BenchmarkLayout.CARS.read(root, "test"));
        assertTrue(none.getMessage().contains("cars_annos.mat"), none.getMessage());
        Files.write(root.resolve("cars_annos.txt"), lines);
        ImageList test = BenchmarkLayout.CARS.read(root, "test");
        assertEquals(Set.of(99, 196), classes(test));
        assertEquals(4, test.size());
        assertEquals("car_ims/000005.jpg", test.ids().get(0));
        assertEquals(Set.of(1, 98), classes(BenchmarkLayout.CARS.read(root, "train")));
    }

    @Test
    void sopReadsItsTwoListFiles() throws Exception {
        Path root = dir.resolve("Stanford_Online_Products");
        String header = "image_id class_id super_class_id path";
        Files.createDirectories(root);
        Files.write(root.resolve("Ebay_train.txt"), List.of(header, "1 1 1 bicycle_final/111_0.JPG",
                "2 1 1 bicycle_final/111_1.JPG", "3 2 1 bicycle_final/222_0.JPG", "4 2 1 bicycle_final/222_1.JPG"));
        Files.write(root.resolve("Ebay_test.txt"), List.of(header, "5 11319 2 chair_final/333_0.JPG",
                "6 11319 2 chair_final/333_1.JPG", "7 11320 2 chair_final/444_0.JPG"));
        ImageList train = BenchmarkLayout.SOP.read(root, "train");
        ImageList test = BenchmarkLayout.SOP.read(root, "test");
        assertEquals(4, train.size());
        assertArrayEquals(new int[] {11319, 11319, 11320}, test.labels());
        assertEquals("chair_final/444_0.JPG", test.ids().get(2));
        assertTrue(classes(train).stream().noneMatch(classes(test)::contains), "class-disjoint");
    }

    @Test
    void inShopHasTrainQueryAndGallery() throws Exception {
        Path root = dir.resolve("inshop");
        Files.createDirectories(root);
        Files.write(root.resolve("list_eval_partition.txt"), List.of("6", "image_name item_id evaluation_status",
                "img/WOMEN/Dresses/id_00000002/02_1_front.jpg id_00000002 train",
                "img/WOMEN/Dresses/id_00000002/02_2_side.jpg id_00000002 train",
                "img/MEN/Denim/id_00000080/01_1_front.jpg id_00000080 query",
                "img/MEN/Denim/id_00000080/01_2_side.jpg  id_00000080 gallery",
                "img/MEN/Denim/id_00000081/01_1_front.jpg id_00000081 query",
                "img/MEN/Denim/id_00000081/01_3_back.jpg id_00000081 gallery"));
        assertEquals(List.of("train", "query", "gallery"), BenchmarkLayout.INSHOP.splits());
        assertArrayEquals(new int[] {2, 2}, BenchmarkLayout.INSHOP.read(root, "train").labels());
        ImageList query = BenchmarkLayout.parse("in-shop").read(root, "query");
        ImageList gallery = BenchmarkLayout.INSHOP.read(root, "gallery");
        assertArrayEquals(new int[] {80, 81}, query.labels());
        assertArrayEquals(new int[] {80, 81}, gallery.labels());
        assertEquals("img/MEN/Denim/id_00000081/01_3_back.jpg", gallery.ids().get(1));
        assertThrows(IllegalArgumentException.class, () -> BenchmarkLayout.INSHOP.read(root, "test"));
    }

    @Test
    void missingAndMalformedFilesAreNamed() throws Exception {
        DatasetException missing = assertThrows(DatasetException.class, () -> BenchmarkLayout.SOP.read(dir, "train"));
        assertTrue(missing.getMessage().contains("Ebay_train.txt not found"), missing.getMessage());
        Files.write(dir.resolve("Ebay_test.txt"), List.of("header", "1 2 3"));
        DatasetException bad = assertThrows(DatasetException.class, () -> BenchmarkLayout.SOP.read(dir, "test"));
        assertTrue(bad.getMessage().contains("line 2"), bad.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BenchmarkLayout.parse("imagenet"));
        assertThrows(DatasetException.class, () -> BenchmarkLayout.CUB.read(dir.resolve("nowhere"), "train"));
    }
}
