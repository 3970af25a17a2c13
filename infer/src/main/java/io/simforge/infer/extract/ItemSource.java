package io.simforge.infer.extract;

import io.simforge.infer.ImagePreprocessor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The items an {@link ExtractionJob} embeds, in a fixed order: each has an id (written to {@code ids.txt}),
 * optionally a class label, and a way to produce its model input. The order must be the same every time
 * the source is built from the same input, so an interrupted job can resume.
 */
public interface ItemSource {
    int size();

    String id(int i);

    /** Item {@code i}'s class, or -1 when the source has no labels. */
    default int label(int i) {
        return -1;
    }

    /** Class names by label, when the source has labels. */
    default List<String> classNames() {
        return List.of();
    }

    /**
     * Writes item {@code i}'s model input to {@code out} at {@code offset}; an {@link IOException} makes the
     * item a reject (listed, not fatal unless the job is strict).
     */
    void load(int i, float[] out, int offset) throws IOException;

    /**
     * Every image file under {@code root}, recursively, sorted by relative path (ids are those paths, with
     * '/' separators). When the images sit in sub-folders of {@code root}, the first sub-folder names the
     * class (the {@code root/<class>/<image>} layout); images directly in {@code root} have no label.
     */
    static ItemSource folder(Path root, ImagePreprocessor images) throws IOException {
        io.simforge.core.data.ImageList list = io.simforge.core.data.ImageList.fromFolder(root);
        return files(root, list.ids(), list.labels()[0] >= 0 ? list.labels() : null, list.classNames(), images);
    }

    /**
     * The images named in a list file, one per line, in the file's order: a path (relative to the list's
     * folder, or absolute), optionally followed by a tab or comma and an integer label. Blank lines and
     * lines starting with '#' are skipped.
     */
    static ItemSource listFile(Path list, ImagePreprocessor images) throws IOException {
        io.simforge.core.data.ImageList l = io.simforge.core.data.ImageList.fromListFile(list);
        return files(l.root(), l.ids(), l.labels()[0] >= 0 ? l.labels() : null, List.of(), images);
    }

    /** The images of one split of a benchmark layout, ids relative to its root, labels the dataset's classes. */
    static ItemSource imageList(io.simforge.core.data.ImageList list, ImagePreprocessor images) {
        return files(list.root(), list.ids(), list.labels(), List.of(), images);
    }

    private static ItemSource files(Path base, List<String> ids, int[] labels, List<String> names, ImagePreprocessor images) {
        return new ItemSource() {
            @Override
            public int size() {
                return ids.size();
            }

            @Override
            public String id(int i) {
                return ids.get(i);
            }

            @Override
            public int label(int i) {
                return labels == null ? -1 : labels[i];
            }

            @Override
            public List<String> classNames() {
                return names;
            }

            @Override
            public void load(int i, float[] out, int offset) throws IOException {
                images.toInput(ImagePreprocessor.decode(base.resolve(ids.get(i))), out, offset);
            }
        };
    }
}
