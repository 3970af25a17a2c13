package io.simforge.spark;

import io.simforge.core.device.DeviceSpec;
import io.simforge.core.model.ModelMetadata;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReadable;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;

/**
 * Embeds a column of images or feature vectors with an exported simforge model: a Spark ML {@link Transformer}
 * ({@code Dataset<Row>} in, the same rows with an embedding column and an error column out), so it sits in a
 * {@link org.apache.spark.ml.Pipeline} and saves and loads with it.
 *
 * <p>The input column holds encoded image files ({@code binary}, as Spark's {@code binaryFile} source reads them, or
 * {@link ImageFolder}), decoded images (the {@code image} source's struct), or feature vectors ({@code array<float>},
 * {@code array<double>} or an ML {@code Vector}) of the model's input size. Images are decoded, resized and normalised
 * as the model's metadata says (the same code as {@code simforge embed}) and embedded in batches inside each
 * partition; rows keep their order. The output is {@code array<float>} (or an ML {@code Vector}, {@link #setOutputType}).
 *
 * <p>A row whose image cannot be decoded, or whose vector has the wrong length, never fails the job: its embedding
 * is null and the error column says why. Accumulators count images embedded, rejected and bytes read (Spark's UI shows
 * them per stage), and the driver logs a line per finished stage with images/s ({@link StageProgressListener}). A
 * model that cannot serve fails {@link #transform} at once, before any task, with the words of
 * {@code simforge verify}.
 *
 * <p>The model is read once on the driver and reaches each executor once, as a broadcast; each executor JVM opens one
 * ONNX Runtime session per model and shares it among its tasks ({@code threads} intra-op threads each call; the
 * default 1 suits one task per core). The device is the task's GPU when Spark assigned one ({@code auto}, the
 * default), or as given.
 *
 * <p>Saving the stage copies the model into the saved folder ({@code <path>/model/}), so a saved pipeline is
 * complete on its own; loading points {@code modelPath} at that copy.
 */
public final class EmbeddingTransformer extends Transformer implements DefaultParamsWritable {
    private static final long serialVersionUID = 1L;

    /** The {@code device} value that picks the task's GPU when Spark assigned one, the CPU otherwise. */
    public static final String AUTO_DEVICE = "auto";

    /** What the embedding column holds. */
    public enum OutputType {
        /** {@code array<float>}: what Parquet, pandas and NumPy read without Spark ML. */
        ARRAY,
        /** Spark ML's dense {@code Vector} (doubles), for ML stages that take one. */
        VECTOR
    }

    private final String uid;
    private final Param<String> modelPath;
    private final Param<String> inputCol;
    private final Param<String> outputCol;
    private final Param<String> errorCol;
    private final Param<String> idCol;
    private final Param<String> outputType;
    private final Param<String> device;
    private final IntParam batchSize;
    private final IntParam threads;

    public EmbeddingTransformer() {
        this(Identifiable$.MODULE$.randomUID("simforgeEmbedder"));
    }

    /** Spark ML's loader creates stages by uid. */
    public EmbeddingTransformer(String uid) {
        this.uid = uid;
        modelPath = new Param<>(this, "modelPath", "the exported .onnx model (any path Hadoop reads)");
        inputCol = new Param<>(this, "inputCol", "column of encoded images (binary), Spark image structs, or vectors");
        outputCol = new Param<>(this, "outputCol", "column the embeddings go to");
        errorCol = new Param<>(this, "errorCol", "column saying why a row has no embedding (null when it has one)");
        idCol = new Param<>(this, "idCol", "column naming a row in error messages (empty: none)");
        outputType = new Param<>(this, "outputType", "array (array<float>) or vector (ML Vector)",
                ParamValidators.inArray(List.of("array", "vector")));
        device = new Param<>(this, "device", "auto (the task's GPU if Spark assigned one, else the CPU), cpu, cuda or "
                + "cuda:N", EmbeddingTransformer::validDevice);
        batchSize = new IntParam(this, "batchSize", "items per ONNX Runtime call", ParamValidators.gtEq(1));
        threads = new IntParam(this, "threads", "ONNX Runtime intra-op threads per call (0: every core)",
                ParamValidators.gtEq(0));
        setDefault(inputCol, "content");
        setDefault(outputCol, "embedding");
        setDefault(errorCol, "embedding_error");
        setDefault(idCol, "");
        setDefault(outputType, "array");
        setDefault(device, AUTO_DEVICE);
        setDefault(batchSize, (Object) 64);
        setDefault(threads, (Object) 1);
    }

    private static boolean validDevice(String d) {
        if (AUTO_DEVICE.equals(d)) {
            return true;
        }
        try {
            return !DeviceSpec.parse(d).isMultiple();
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    @Override
    public String uid() {
        return uid;
    }

    public Param<String> modelPath() {
        return modelPath;
    }

    public Param<String> inputCol() {
        return inputCol;
    }

    public Param<String> outputCol() {
        return outputCol;
    }

    public Param<String> errorCol() {
        return errorCol;
    }

    public Param<String> idCol() {
        return idCol;
    }

    public Param<String> outputType() {
        return outputType;
    }

    public Param<String> device() {
        return device;
    }

    public IntParam batchSize() {
        return batchSize;
    }

    public IntParam threads() {
        return threads;
    }

    /** The exported model (required): a local path, or any Hadoop path ({@code hdfs://}, {@code s3a://}…). */
    public EmbeddingTransformer setModelPath(String value) {
        set(modelPath, value);
        return this;
    }

    /** The column to embed (default {@code content}, the bytes of Spark's {@code binaryFile} source). */
    public EmbeddingTransformer setInputCol(String value) {
        set(inputCol, value);
        return this;
    }

    /** Where embeddings go (default {@code embedding}). */
    public EmbeddingTransformer setOutputCol(String value) {
        set(outputCol, value);
        return this;
    }

    /** Where the reason for a missing embedding goes (default {@code embedding_error}). */
    public EmbeddingTransformer setErrorCol(String value) {
        set(errorCol, value);
        return this;
    }

    /** A column that names rows in error messages, e.g. {@code path} (default: none). */
    public EmbeddingTransformer setIdCol(String value) {
        set(idCol, value);
        return this;
    }

    public EmbeddingTransformer setOutputType(OutputType value) {
        set(outputType, value.name().toLowerCase(Locale.ROOT));
        return this;
    }

    /** {@code auto} (default), {@code cpu}, {@code cuda} or {@code cuda:N}; CUDA falls back to the CPU when it cannot start. */
    public EmbeddingTransformer setDevice(String value) {
        set(device, value);
        return this;
    }

    /** Items per ONNX Runtime call (default 64). */
    public EmbeddingTransformer setBatchSize(int value) {
        set(batchSize, (Object) value);
        return this;
    }

    /** ONNX Runtime intra-op threads of each executor's session (default 1; 0 lets it use every core). */
    public EmbeddingTransformer setThreads(int value) {
        set(threads, (Object) value);
        return this;
    }

    public String getModelPath() {
        return isDefined(modelPath) ? $(modelPath) : null;
    }

    public OutputType getOutputType() {
        return OutputType.valueOf($(outputType).toUpperCase(Locale.ROOT));
    }

    /** How the input column is read. */
    enum InputKind { ENCODED_IMAGE, SPARK_IMAGE, FLOAT_ARRAY, DOUBLE_ARRAY, ML_VECTOR }

    static InputKind inputKind(String column, DataType type) {
        if (type instanceof BinaryType) {
            return InputKind.ENCODED_IMAGE;
        }
        if (type instanceof StructType s && Arrays.asList(s.fieldNames()).containsAll(
                List.of("origin", "height", "width", "nChannels", "data"))) {
            return InputKind.SPARK_IMAGE;
        }
        if (type instanceof ArrayType a && a.elementType().equals(DataTypes.FloatType)) {
            return InputKind.FLOAT_ARRAY;
        }
        if (type instanceof ArrayType a && a.elementType().equals(DataTypes.DoubleType)) {
            return InputKind.DOUBLE_ARRAY;
        }
        if (type.equals(SQLDataTypes.VectorType())) {
            return InputKind.ML_VECTOR;
        }
        throw new SimforgeSparkException("column '" + column + "' is " + type.simpleString() + "; embed encoded image "
                + "files (binary: spark.read().format(\"binaryFile\")), Spark image structs (format(\"image\")), or "
                + "vectors (array<float>, array<double> or an ML Vector)");
    }

    @Override
    public StructType transformSchema(StructType schema) {
        String in = $(inputCol);
        if (!Arrays.asList(schema.fieldNames()).contains(in)) {
            throw new SimforgeSparkException("no column '" + in + "' to embed; the columns are "
                    + Arrays.toString(schema.fieldNames()) + ". Set it with setInputCol.");
        }
        inputKind(in, schema.apply(in).dataType());
        String id = $(idCol);
        if (!id.isEmpty() && !Arrays.asList(schema.fieldNames()).contains(id)) {
            throw new SimforgeSparkException("no column '" + id + "' to name rows by (setIdCol); the columns are "
                    + Arrays.toString(schema.fieldNames()));
        }
        for (String out : List.of($(outputCol), $(errorCol))) {
            if (Arrays.asList(schema.fieldNames()).contains(out)) {
                throw new SimforgeSparkException("column '" + out + "' already exists; choose another name with "
                        + "setOutputCol / setErrorCol, or drop it first");
            }
        }
        DataType embedding = getOutputType() == OutputType.VECTOR ? SQLDataTypes.VectorType()
                : DataTypes.createArrayType(DataTypes.FloatType, false);
        return schema.add(new StructField($(outputCol), embedding, true, org.apache.spark.sql.types.Metadata.empty()))
                .add(new StructField($(errorCol), DataTypes.StringType, true, org.apache.spark.sql.types.Metadata.empty()));
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        if (getModelPath() == null) {
            throw new SimforgeSparkException("the transformer has no model: setModelPath(\"model.onnx\")");
        }
        StructType outSchema = transformSchema(dataset.schema());
        SparkSession spark = dataset.sparkSession();
        InputKind kind = inputKind($(inputCol), dataset.schema().apply($(inputCol)).dataType());
        ModelFiles model = ModelFiles.load(getModelPath(), spark.sparkContext().hadoopConfiguration());
        boolean images = kind == InputKind.ENCODED_IMAGE || kind == InputKind.SPARK_IMAGE;
        if (images && model.inputKind() == ModelMetadata.InputKind.VECTOR) {
            throw new SimforgeSparkException(getModelPath() + " takes feature vectors, but column '" + $(inputCol)
                    + "' holds images; embed a vector column, or use a model exported for images");
        }
        if (!images && model.inputKind() != ModelMetadata.InputKind.VECTOR) {
            throw new SimforgeSparkException(getModelPath() + " takes images, but column '" + $(inputCol)
                    + "' holds vectors; embed the image column (binary or image struct)");
        }
        StageProgressListener.registerOnce(spark.sparkContext());
        Broadcast<ModelFiles> shipped = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(model);
        PartitionEmbedder.Counters counters = new PartitionEmbedder.Counters(
                accumulator(spark, StageProgressListener.EMBEDDED), accumulator(spark, StageProgressListener.REJECTED),
                accumulator(spark, StageProgressListener.BYTES_READ));
        StructType inSchema = dataset.schema();
        String id = $(idCol);
        PartitionEmbedder embed = new PartitionEmbedder(shipped, kind, inSchema.fieldIndex($(inputCol)),
                id.isEmpty() ? -1 : inSchema.fieldIndex(id), $(device), (Integer) $(threads), (Integer) $(batchSize),
                getOutputType() == OutputType.VECTOR, counters);
        return dataset.toDF().mapPartitions(embed, Encoders.row(outSchema));
    }

    private static LongAccumulator accumulator(SparkSession spark, String name) {
        return spark.sparkContext().longAccumulator(name);
    }

    @Override
    public EmbeddingTransformer copy(ParamMap extra) {
        return (EmbeddingTransformer) defaultCopy(extra);
    }

    /** Writes the parameters as every Spark ML stage does, and a copy of the model under {@code <path>/model/}. */
    @Override
    public MLWriter write() {
        return new ModelCopyingWriter(this);
    }

    MLWriter paramsWriter() {
        return DefaultParamsWritable.super.write();
    }

    /** Reads a stage written by {@link #write()} (and by {@link org.apache.spark.ml.Pipeline}'s writer). */
    public static MLReader<EmbeddingTransformer> read() {
        return new ModelCopyReader();
    }

    public static EmbeddingTransformer load(String path) {
        return read().load(path);
    }

    private static final class ModelCopyingWriter extends MLWriter {
        private final EmbeddingTransformer stage;

        ModelCopyingWriter(EmbeddingTransformer stage) {
            this.stage = stage;
        }

        @Override
        public void saveImpl(String path) {
            String source = stage.getModelPath();
            if (source == null) {
                throw new SimforgeSparkException("cannot save a transformer without a model: setModelPath first");
            }
            var hadoop = sparkSession().sparkContext().hadoopConfiguration();
            ModelFiles model = ModelFiles.load(source, hadoop);
            try {
                stage.paramsWriter().session(sparkSession()).save(path); // creates the folder: first
                model.copyTo(new org.apache.hadoop.fs.Path(path, "model").toString(), hadoop);
            } catch (IOException e) {
                throw new SimforgeSparkException("cannot save the stage to " + path + ": " + e.getMessage(), e);
            }
        }
    }

    private static final class ModelCopyReader extends MLReader<EmbeddingTransformer> {
        @Override
        public EmbeddingTransformer load(String path) {
            MLReader<EmbeddingTransformer> params = new DefaultParamsReadable<EmbeddingTransformer>() {}.read();
            EmbeddingTransformer stage = params.session(sparkSession()).load(path);
            // The copy saved with the stage, wherever the stage now lives.
            String name = new org.apache.hadoop.fs.Path(stage.getModelPath()).getName();
            return stage.setModelPath(new org.apache.hadoop.fs.Path(new org.apache.hadoop.fs.Path(path, "model"), name)
                    .toString());
        }
    }
}
