package io.simforge.datasets;

import io.simforge.core.data.DatasetException;
import io.simforge.core.data.ImageList;

import com.google.gson.annotations.SerializedName;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntPredicate;

/**
 * The standard deep-metric-learning benchmarks as they are distributed, with their class-disjoint splits
 * (methods.md §6): test classes are never seen in training.
 *
 * <ul>
 *   <li>{@code cub}: CUB-200-2011 — {@code images.txt} ("id path"), {@code image_class_labels.txt}
 *       ("id class"), images under {@code images/}; train = classes 1–100, test = 101–200.
 *   <li>{@code cars}: Cars196 — a list file {@code cars_annos.txt} or {@code .csv} ("path class" per line,
 *       classes 1–196, paths relative to the root; the {@code .mat} original must be converted once, see
 *       the error message); train = classes 1–98, test = 99–196.
 *   <li>{@code sop}: Stanford Online Products — {@code Ebay_train.txt} and {@code Ebay_test.txt}
 *       ("image_id class_id super_class_id path" after a header line).
 *   <li>{@code inshop}: In-Shop Clothes — {@code list_eval_partition.txt} (a count line, a header line, then
 *       "image_name item_id evaluation_status"); splits {@code train}, {@code query} and {@code gallery}.
 * </ul>
 * Labels are the dataset's own class numbers (In-Shop: the number in {@code id_00001234}).
 */
public enum BenchmarkLayout {
    @SerializedName("cub") CUB,
    @SerializedName("cars") CARS,
    @SerializedName("sop") SOP,
    @SerializedName("inshop") INSHOP;

    /** Parses "cub", "cars", "sop" or "inshop" (also "cub200", "cars196", "in-shop"). */
    public static BenchmarkLayout parse(String name) {
        return switch (name.toLowerCase(Locale.ROOT).replace("-", "").replace("_", "")) {
            case "cub", "cub200", "cub2002011" -> CUB;
            case "cars", "cars196" -> CARS;
            case "sop", "stanfordonlineproducts", "ebay" -> SOP;
            case "inshop", "inshopclothes" -> INSHOP;
            default -> throw new IllegalArgumentException("unknown dataset layout '" + name
                    + "': choose cub, cars, sop or inshop");
        };
    }

    /** The split evaluations use: In-Shop's queries (searched against its gallery), else the test split. */
    public String evaluationSplit() {
        return this == INSHOP ? "query" : "test";
    }

    /** The Recall@K cut-offs the papers report for this benchmark. */
    public int[] paperRecallKs() {
        return switch (this) {
            case SOP -> new int[] {1, 10, 100, 1000};
            case INSHOP -> new int[] {1, 10, 20, 30, 40, 50};
            default -> new int[] {1, 2, 4, 8};
        };
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The splits this layout has. */
    public List<String> splits() {
        return this == INSHOP ? List.of("train", "query", "gallery") : List.of("train", "test");
    }

    /** Reads one split of the dataset under {@code root}. */
    public ImageList read(Path root, String split) {
        if (!splits().contains(split)) {
            throw new IllegalArgumentException(name().toLowerCase(Locale.ROOT) + " has splits " + splits()
                    + ", not '" + split + "'");
        }
        if (!Files.isDirectory(root)) {
            throw new DatasetException("dataset folder not found: " + root);
        }
        try {
            return switch (this) {
                case CUB -> cub(root, split);
                case CARS -> cars(root, split);
                case SOP -> sop(root, split);
                case INSHOP -> inShop(root, split);
            };
        } catch (IOException e) {
            throw new DatasetException("cannot read " + root + ": " + e.getMessage(), e);
        }
    }

    private static ImageList cub(Path root, String split) throws IOException {
        Map<String, String> paths = twoColumns(root.resolve("images.txt"), "CUB-200-2011");
        Map<String, String> classes = twoColumns(root.resolve("image_class_labels.txt"), "CUB-200-2011");
        IntPredicate keep = split.equals("train") ? c -> c <= 100 : c -> c > 100;
        List<String> ids = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (Map.Entry<String, String> e : paths.entrySet()) {
            String c = classes.get(e.getKey());
            if (c == null) {
                throw new DatasetException(root.resolve("image_class_labels.txt") + " has no class for image id "
                        + e.getKey() + " of images.txt");
            }
            int label = parseInt(c, "image_class_labels.txt");
            if (keep.test(label)) {
                ids.add("images/" + e.getValue());
                labels.add(label);
            }
        }
        return list("CUB-200-2011 " + split, root, ids, labels);
    }

    private static ImageList cars(Path root, String split) throws IOException {
        Path list = null;
        for (String name : new String[] {"cars_annos.txt", "cars_annos.csv"}) {
            if (Files.isRegularFile(root.resolve(name))) {
                list = root.resolve(name);
            }
        }
        if (list == null) {
            throw new DatasetException(root + " has no cars_annos.txt or cars_annos.csv. Cars196 ships its labels in "
                    + "cars_annos.mat; convert it once with: python3 -c \"import scipy.io as s; a=s.loadmat('cars_annos.mat')"
                    + "['annotations'][0]; open('cars_annos.txt','w').writelines(f'{x[0][0]} {x[5][0][0]}\\n' for x in a)\"");
        }
        IntPredicate keep = split.equals("train") ? c -> c <= 98 : c -> c > 98;
        List<String> ids = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        List<String> lines = Files.readAllLines(list, StandardCharsets.UTF_8);
        for (int n = 0; n < lines.size(); n++) {
            String line = lines.get(n).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] parts = line.split("[\\s,]+");
            if (parts.length < 2) {
                throw new DatasetException(list + " line " + (n + 1) + ": expected 'path class', found '" + line + "'");
            }
            int label = parseInt(parts[parts.length - 1], list.getFileName() + " line " + (n + 1));
            if (keep.test(label)) {
                ids.add(parts[0]);
                labels.add(label);
            }
        }
        return list("Cars196 " + split, root, ids, labels);
    }

    private static ImageList sop(Path root, String split) throws IOException {
        Path file = root.resolve(split.equals("train") ? "Ebay_train.txt" : "Ebay_test.txt");
        List<String> lines = readLines(file, "Stanford Online Products");
        List<String> ids = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (int n = 1; n < lines.size(); n++) { // line 1 is the header
            String line = lines.get(n).strip();
            if (line.isEmpty()) {
                continue;
            }
            String[] parts = line.split("\\s+");
            if (parts.length != 4) {
                throw new DatasetException(file + " line " + (n + 1) + ": expected 'image_id class_id super_class_id path'");
            }
            ids.add(parts[3]);
            labels.add(parseInt(parts[1], file.getFileName() + " line " + (n + 1)));
        }
        return list("Stanford Online Products " + split, root, ids, labels);
    }

    private static ImageList inShop(Path root, String split) throws IOException {
        Path file = root.resolve("list_eval_partition.txt");
        List<String> lines = readLines(file, "In-Shop Clothes");
        List<String> ids = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (int n = 2; n < lines.size(); n++) { // a count line, then a header line
            String line = lines.get(n).strip();
            if (line.isEmpty()) {
                continue;
            }
            String[] parts = line.split("\\s+");
            if (parts.length != 3 || !parts[1].startsWith("id_")) {
                throw new DatasetException(file + " line " + (n + 1) + ": expected 'image_name item_id evaluation_status'");
            }
            if (parts[2].equals(split)) {
                ids.add(parts[0]);
                labels.add(parseInt(parts[1].substring(3), file.getFileName() + " line " + (n + 1)));
            }
        }
        return list("In-Shop " + split, root, ids, labels);
    }

    private static List<String> readLines(Path file, String dataset) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new DatasetException(file + " not found: is " + file.getParent() + " the " + dataset + " folder?");
        }
        return Files.readAllLines(file, StandardCharsets.UTF_8);
    }

    /** "key value" lines, in file order. */
    private static Map<String, String> twoColumns(Path file, String dataset) throws IOException {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        List<String> lines = readLines(file, dataset);
        for (int n = 0; n < lines.size(); n++) {
            String line = lines.get(n).strip();
            if (line.isEmpty()) {
                continue;
            }
            int space = line.indexOf(' ');
            if (space < 0) {
                throw new DatasetException(file + " line " + (n + 1) + ": expected two columns, found '" + line + "'");
            }
            out.put(line.substring(0, space), line.substring(space + 1).strip());
        }
        return out;
    }

    private static int parseInt(String s, String where) {
        try {
            return Integer.parseInt(s.strip());
        } catch (NumberFormatException e) {
            throw new DatasetException(where + ": '" + s + "' is not a class number");
        }
    }

    private static ImageList list(String name, Path root, List<String> ids, List<Integer> labels) {
        if (ids.isEmpty()) {
            throw new DatasetException(name + " under " + root + " has no images");
        }
        return new ImageList(name, root, ids, labels.stream().mapToInt(Integer::intValue).toArray());
    }
}
