package io.simforge.spark;

import static org.apache.spark.sql.functions.col;

import io.simforge.core.error.InvalidInputException;
import io.simforge.core.data.ImageList;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The image files under a folder, as {@code simforge embed --images DIR} sees them: columns {@code id} (the path under
 * the folder, '/' separators: the ids of {@code simforge embed}'s {@code ids.txt}), {@code label} (when every image
 * sits in a sub-folder, the {@code root/<class>/<image>} layout: the class's index among the sorted sub-folder names,
 * as {@code labels.npy}), {@code path} (the file's path as Spark's {@code binaryFile} source gives it) and
 * {@code content} (its bytes, read only when used).
 *
 * <p>Files are those whose name ends in one of {@link ImageList#IMAGE_EXTENSIONS} (any case), listed by Spark's
 * {@code binaryFile} source on the driver (in parallel, on any Hadoop file system). Rows come sorted by id, as in
 * {@code simforge embed}'s output, cut into partitions of about {@code imagesPerPartition} consecutive images (a
 * multiple of the default parallelism, so no core idles in the last wave). Each task reads its files' bytes itself:
 * local files with plain Java file reads, other file systems through Hadoop. Reading them through the
 * {@code binaryFile} source instead cost several times as much per file as decoding it: on the local file system every
 * file was opened through Hadoop's checksumming file system, which allocates two 64 KB buffers and looks for a
 * {@code .crc} file per image (docs/benchmarks.md, "On Apache Spark").
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
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        FileSystem fs;
        org.apache.hadoop.fs.Path qualified;
        try {
            fs = dir.getFileSystem(hadoop);
            if (!fs.getFileStatus(dir).isDirectory()) {
                throw new SimforgeSparkException(root + " is not a folder; give the folder that holds the images");
            }
            qualified = fs.makeQualified(dir);
        } catch (java.io.FileNotFoundException e) {
            throw new SimforgeSparkException("image folder not found: " + root, e);
        } catch (IOException e) {
            throw new SimforgeSparkException("cannot read the folder " + root + ": " + e.getMessage(), e);
        }
        boolean local = isLocal(fs.getUri());
        List<String> ids = local ? localIds(qualified) : listedIds(spark, root, qualified);
        if (ids.isEmpty()) {
            throw new SimforgeSparkException(root + " holds no image files ("
                    + String.join(", ", ImageList.IMAGE_EXTENSIONS) + ")");
        }
        boolean labelled = ids.stream().allMatch(id -> id.indexOf('/') > 0);
        List<String> classes = labelled ? ids.stream().map(ImageFolder::classOf).distinct().sorted().toList()
                : List.of();
        String prefix = qualified.toString().endsWith("/") ? qualified.toString() : qualified + "/";
        List<Row> rows = new ArrayList<>(ids.size());
        for (String id : ids) {
            rows.add(labelled ? RowFactory.create(id, classes.indexOf(classOf(id)), prefix + id)
                    : RowFactory.create(id, prefix + id));
        }
        StructType schema = new StructType().add("id", DataTypes.StringType, false);
        if (labelled) {
            schema = schema.add("label", DataTypes.IntegerType, false);
        }
        schema = schema.add("path", DataTypes.StringType, false);
        int parallelism = Math.max(1, spark.sparkContext().defaultParallelism());
        int waves = (int) Math.ceil(ids.size() / (double) imagesPerPartition / parallelism);
        JavaSparkContext context = JavaSparkContext.fromSparkContext(spark.sparkContext());
        // Hadoop's configuration travels only when the files are not local: local files need none.
        Broadcast<HadoopConfiguration> conf = local ? null : context.broadcast(new HadoopConfiguration(hadoop));
        Dataset<Row> listed = spark.createDataFrame(context.parallelize(rows, Math.max(1, waves) * parallelism), schema);
        return listed.withColumn("content",
                functions.udf(new FileBytes(conf), DataTypes.BinaryType).apply(col("path")));
    }

    /** A local folder's images as {@code simforge embed} lists them (the same code), sorted by id. */
    private static List<String> localIds(org.apache.hadoop.fs.Path qualified) {
        try {
            return ImageList.fromFolder(java.nio.file.Path.of(qualified.toUri().getPath())).ids();
        } catch (IOException e) { // "... holds no image files (...)", or the walk's failure naming the file
            throw new SimforgeSparkException(e.getMessage(), e);
        }
    }

    /** Another file system's images, listed by Spark's {@code binaryFile} source (in parallel), sorted by id. */
    private static List<String> listedIds(SparkSession spark, String root, org.apache.hadoop.fs.Path qualified) {
        String base = qualified.toUri().getPath();
        String prefix = base.endsWith("/") ? base : base + "/";
        List<String> ids = new ArrayList<>();
        for (String file : spark.read().format("binaryFile").option("recursiveFileLookup", "true").load(root)
                .inputFiles()) {
            String path = toUri(file).getPath();
            String id = path.startsWith(prefix) ? path.substring(prefix.length()) : path;
            if (isImage(id)) {
                ids.add(id);
            }
        }
        ids.sort(null);
        return ids;
    }

    /** A file's bytes by its path: local files read by Java, others through Hadoop's file system. */
    private static final class FileBytes implements UDF1<String, byte[]> {
        private static final long serialVersionUID = 1L;
        private final Broadcast<HadoopConfiguration> conf;

        FileBytes(Broadcast<HadoopConfiguration> conf) {
            this.conf = conf;
        }

        @Override
        public byte[] call(String path) {
            org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(path);
            URI uri = file.toUri();
            try {
                if (isLocal(uri)) {
                    return Files.readAllBytes(java.nio.file.Path.of(uri.getPath()));
                }
                try (InputStream in = file.getFileSystem(conf.value().get()).open(file)) {
                    return in.readAllBytes();
                }
            } catch (IOException e) {
                throw new SimforgeSparkException("cannot read the image file " + path + " (" + e + "); it was there "
                        + "when the folder was listed: was it deleted, moved or made unreadable since? Read the "
                        + "folder again", e);
            }
        }
    }

    /** Hadoop's configuration for the executors ({@link Configuration} is Writable, not Serializable). */
    private static final class HadoopConfiguration implements Serializable {
        private static final long serialVersionUID = 1L;
        private transient Configuration conf;

        HadoopConfiguration(Configuration conf) {
            this.conf = conf;
        }

        Configuration get() {
            return conf;
        }

        private void writeObject(ObjectOutputStream out) throws IOException {
            out.defaultWriteObject();
            conf.write(out);
        }

        private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
            in.defaultReadObject();
            conf = new Configuration(false);
            conf.readFields(in);
        }
    }

    private static URI toUri(String listed) {
        try {
            return new URI(listed);
        } catch (URISyntaxException e) {
            return new org.apache.hadoop.fs.Path(listed).toUri(); // not escaped: Hadoop's path parser takes it as is
        }
    }

    private static boolean isLocal(URI uri) {
        return uri.getScheme() == null || "file".equals(uri.getScheme());
    }

    private static String classOf(String id) {
        return id.substring(0, id.indexOf('/'));
    }

    private static boolean isImage(String id) {
        int dot = id.lastIndexOf('.');
        return dot > id.lastIndexOf('/') + 1
                && ImageList.IMAGE_EXTENSIONS.contains(id.substring(dot + 1).toLowerCase(Locale.ROOT));
    }
}
