package io.simforge.core.data;

import java.nio.file.Path;
import java.util.List;

/**
 * Images on disk with their class labels, in a fixed order: one split of a benchmark layout
 * ({@code BenchmarkLayout}) or a folder tree ({@link #fromFolder}). Ids are the paths relative to the root,
 * with '/' separators; a label of -1 means unknown; {@code classNames} names labels 0, 1, … when known.
 */
public record ImageList(String name, Path root, List<String> ids, int[] labels, List<String> classNames) {
    /** File name endings read as images. */
    public static final java.util.Set<String> IMAGE_EXTENSIONS = java.util.Set.of("jpg", "jpeg", "png", "bmp", "gif",
            "wbmp");

    public ImageList {
        if (ids.size() != labels.length) {
            throw new IllegalArgumentException(ids.size() + " images but " + labels.length + " labels");
        }
        ids = List.copyOf(ids);
        classNames = List.copyOf(classNames);
    }

    public ImageList(String name, Path root, List<String> ids, int[] labels) {
        this(name, root, ids, labels, List.of());
    }

    /**
     * Every image file under {@code root}, recursively, sorted by relative path. When all of them sit in
     * sub-folders, the first sub-folder names the class ({@code root/<class>/<image>}; labels 0, 1, … in
     * sorted folder order); otherwise labels are -1.
     */
    public static ImageList fromFolder(Path root) throws java.io.IOException {
        if (!java.nio.file.Files.isDirectory(root)) {
            throw new java.io.IOException("image folder not found: " + root);
        }
        List<String> ids;
        try (java.util.stream.Stream<Path> walk = java.nio.file.Files.walk(root)) {
            ids = walk.filter(java.nio.file.Files::isRegularFile).filter(ImageList::looksLikeImage)
                    .map(p -> root.relativize(p).toString().replace(java.io.File.separatorChar, '/')).sorted().toList();
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
        if (ids.isEmpty()) {
            throw new java.io.IOException(root + " holds no image files (" + String.join(", ", IMAGE_EXTENSIONS) + ")");
        }
        boolean classed = ids.stream().allMatch(id -> id.indexOf('/') > 0);
        List<String> names = classed ? ids.stream().map(id -> id.substring(0, id.indexOf('/'))).distinct().sorted()
                .toList() : List.of();
        int[] labels = ids.stream().mapToInt(id -> classed ? names.indexOf(id.substring(0, id.indexOf('/'))) : -1)
                .toArray();
        return new ImageList(root.getFileName() + "", root, ids, labels, names);
    }

    /**
     * The images named in a list file, one per line, in the file's order: a path (relative to the list's
     * folder, or absolute), optionally followed by a tab or comma and an integer label (every line or none).
     * Blank lines and lines starting with '#' are skipped.
     */
    public static ImageList fromListFile(Path list) throws java.io.IOException {
        List<String> ids = new java.util.ArrayList<>();
        List<Integer> labels = new java.util.ArrayList<>();
        List<String> lines = java.nio.file.Files.readAllLines(list);
        for (int n = 0; n < lines.size(); n++) {
            String line = lines.get(n).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int sep = Math.max(line.lastIndexOf('\t'), line.lastIndexOf(','));
            if (sep > 0) {
                try {
                    labels.add(Integer.parseInt(line.substring(sep + 1).strip()));
                    ids.add(line.substring(0, sep).strip());
                    continue;
                } catch (NumberFormatException e) {
                    // not a label: the separator is part of the path
                }
            }
            ids.add(line);
            labels.add(null);
        }
        if (ids.isEmpty()) {
            throw new java.io.IOException(list + " lists no images");
        }
        boolean labelled = labels.stream().allMatch(java.util.Objects::nonNull);
        if (!labelled && labels.stream().anyMatch(java.util.Objects::nonNull)) {
            throw new java.io.IOException(list + ": some lines have a label and some do not; label every line or none");
        }
        return new ImageList(list.getFileName().toString(), list.toAbsolutePath().getParent(), ids,
                labels.stream().mapToInt(v -> v == null ? -1 : v).toArray(), List.of());
    }

    private static boolean looksLikeImage(Path p) {
        String name = p.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 && IMAGE_EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(java.util.Locale.ROOT));
    }

    public int size() {
        return ids.size();
    }

    public Path file(int i) {
        return root.resolve(ids.get(i));
    }

    public long classCount() {
        return java.util.Arrays.stream(labels).distinct().count();
    }
}
