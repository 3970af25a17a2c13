package io.simforge.spark;

import static org.apache.spark.sql.functions.col;

import io.simforge.core.error.InvalidInputException;
import io.simforge.core.data.ImageList;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.api.java.function.FilterFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;

/**
 * The image files under a folder, as {@code simforge embed --images DIR} sees them, read with Spark's
 * {@code binaryFile} source: columns {@code id} (the path under the folder, '/' separators: the ids of
 * {@code simforge embed}'s {@code ids.txt}), {@code label} (when every image sits in a sub-folder, the
 * {@code root/<class>/<image>} layout: the class's index among the sorted sub-folder names, as {@code labels.npy}),
 * {@code path} (the file's full URI) and {@code content} (its bytes, read only when used).
 *
 * <p>Files are those whose name ends in one of {@link ImageList#IMAGE_EXTENSIONS} (any case). Rows come in the
 * source's order, not sorted by id: sorting would move every image's bytes through a shuffle. Ids and classes come
 * from the file listing Spark already holds on the driver, so reading the folder runs no job. Spark plans small files
 * as if each cost 4 MB to open, which would make a task of every 32 images; the files are gathered into partitions of
 * about {@code imagesPerPartition} instead (a multiple of the default parallelism, so no core idles in the last wave).
 */
public final class ImageFolder {
    /** Images per partition unless told otherwise: a few seconds of work per task, a few MB of small images. */
    public static final int DEFAULT_IMAGES_PER_PARTITION = 2048;

    private ImageFolder() {}

    /** Reads the folder {@code root} (a local path or any Hadoop path), {@value #DEFAULT_IMAGES_PER_PARTITION} images a partition. */
    public static Dataset<Row> read(SparkSession spark, String root) {
        return read(spark, root, DEFAULT_IMAGES_PER_PARTITION);
    }

    /** Reads the folder {@code root} into partitions of about {@code imagesPerPartition} images. */
    public static Dataset<Row> read(SparkSession spark, String root, int imagesPerPartition) {
        if (imagesPerPartition < 1) {
            throw new InvalidInputException("images per partition must be positive, got " + imagesPerPartition);
        }
        org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(root);
        String base;
        try {
            FileSystem fs = dir.getFileSystem(spark.sparkContext().hadoopConfiguration());
            if (!fs.getFileStatus(dir).isDirectory()) {
                throw new SimforgeSparkException(root + " is not a folder; give the folder that holds the images");
            }
            base = fs.makeQualified(dir).toUri().getPath();
        } catch (java.io.FileNotFoundException e) {
            throw new SimforgeSparkException("image folder not found: " + root, e);
        } catch (IOException e) {
            throw new SimforgeSparkException("cannot read the folder " + root + ": " + e.getMessage(), e);
        }
        String prefix = base.endsWith("/") ? base : base + "/";
        List<String> extensions = new ArrayList<>(ImageList.IMAGE_EXTENSIONS);
        Dataset<Row> files = spark.read().format("binaryFile").option("recursiveFileLookup", "true").load(root);
        List<String> ids = new ArrayList<>();
        for (String file : files.inputFiles()) {
            String id = relative(file, prefix);
            if (isImage(id, extensions)) {
                ids.add(id);
            }
        }
        if (ids.isEmpty()) {
            throw new SimforgeSparkException(root + " holds no image files (" + String.join(", ", extensions) + ")");
        }
        int parallelism = Math.max(1, spark.sparkContext().defaultParallelism());
        int waves = (int) Math.ceil(ids.size() / (double) imagesPerPartition / parallelism);
        UDF1<String, String> toId = path -> relative(path, prefix);
        Dataset<Row> images = files.coalesce(Math.max(1, waves) * parallelism)
                .withColumn("id", functions.udf(toId, DataTypes.StringType).apply(col("path")))
                .filter((FilterFunction<Row>) r -> isImage(r.getAs("id"), extensions));
        if (!ids.stream().allMatch(id -> id.indexOf('/') > 0)) {
            return images.select("id", "path", "content");
        }
        List<String> names = ids.stream().map(id -> id.substring(0, id.indexOf('/'))).distinct().sorted().toList();
        UDF1<String, Integer> label = id -> names.indexOf(id.substring(0, id.indexOf('/')));
        return images.withColumn("label", functions.udf(label, DataTypes.IntegerType).apply(col("id")))
                .select("id", "label", "path", "content");
    }

    /** A file's path under the folder, from its URI. */
    private static String relative(String uri, String prefix) {
        String p = new org.apache.hadoop.fs.Path(uri).toUri().getPath();
        return p.startsWith(prefix) ? p.substring(prefix.length()) : p;
    }

    private static boolean isImage(String id, List<String> extensions) {
        int dot = id.lastIndexOf('.');
        return dot > id.lastIndexOf('/') + 1 && extensions.contains(id.substring(dot + 1).toLowerCase(Locale.ROOT));
    }
}
