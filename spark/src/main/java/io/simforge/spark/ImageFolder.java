package io.simforge.spark;

import static org.apache.spark.sql.functions.col;

import io.simforge.core.data.ImageList;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.api.java.function.FilterFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
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
 * source's order, not sorted by id: sorting would move every image's bytes through a shuffle.
 */
public final class ImageFolder {
    private ImageFolder() {}

    /** Reads the folder {@code root} (a local path or any Hadoop path). */
    public static Dataset<Row> read(SparkSession spark, String root) {
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
        UDF1<String, String> relative = path -> {
            String p = new org.apache.hadoop.fs.Path(path).toUri().getPath();
            return p.startsWith(prefix) ? p.substring(prefix.length()) : p;
        };
        List<String> extensions = new ArrayList<>(ImageList.IMAGE_EXTENSIONS);
        Dataset<Row> files = spark.read().format("binaryFile").option("recursiveFileLookup", "true").load(root)
                .withColumn("id", functions.udf(relative, DataTypes.StringType).apply(col("path")))
                .filter((FilterFunction<Row>) r -> isImage(r.getAs("id"), extensions));
        // Only the paths are read here (binaryFile reads a file's bytes when its content is used).
        Dataset<Row> paths = files.select("id");
        if (paths.isEmpty()) {
            throw new SimforgeSparkException(root + " holds no image files (" + String.join(", ", extensions) + ")");
        }
        if (!paths.filter(functions.not(col("id").contains("/"))).isEmpty()) {
            return files.select("id", "path", "content");
        }
        List<String> names = new ArrayList<>(paths.select(functions.substring_index(col("id"), "/", 1))
                .distinct().as(Encoders.STRING()).collectAsList());
        java.util.Collections.sort(names);
        UDF1<String, Integer> label = id -> names.indexOf(id.substring(0, id.indexOf('/')));
        return files.withColumn("label", functions.udf(label, DataTypes.IntegerType).apply(col("id")))
                .select("id", "label", "path", "content");
    }

    private static boolean isImage(String id, List<String> extensions) {
        int dot = id.lastIndexOf('.');
        return dot > id.lastIndexOf('/') + 1 && extensions.contains(id.substring(dot + 1).toLowerCase(Locale.ROOT));
    }
}
