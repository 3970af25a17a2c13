package io.simforge.onnx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A tensor ({@code TensorProto}): name, dims, element type and its data, either little-endian {@code raw_data},
 * one of the typed fields ({@code float_data}, {@code int32_data}, ...), or a reference into an external data
 * file ({@code external_data} with {@code data_location = EXTERNAL}; see {@link ExternalData}). Immutable: the
 * array accessors return copies, {@link #rawData()} a read-only view.
 */
public final class TensorProto {
    /** {@code data_location}: the data is in this message. */
    public static final int LOCATION_DEFAULT = 0;
    /** {@code data_location}: the data is in the file {@link #externalData()} names. */
    public static final int LOCATION_EXTERNAL = 1;

    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0).asReadOnlyBuffer();

    private final String name;
    private final long[] dims;
    private final int dataType;
    private final ByteBuffer rawData;
    private final float[] floatData;
    private final int[] int32Data;
    private final long[] int64Data;
    private final double[] doubleData;
    private final long[] uint64Data;
    private final List<ByteBuffer> stringData;
    private final List<StringStringEntryProto> externalData;
    private final int dataLocation;
    private final String docString;

    private TensorProto(Builder b) {
        name = b.name;
        dims = b.dims.clone();
        dataType = b.dataType;
        rawData = b.rawData == null ? EMPTY : b.rawData.slice().asReadOnlyBuffer();
        floatData = b.floatData.clone();
        int32Data = b.int32Data.clone();
        int64Data = b.int64Data.clone();
        doubleData = b.doubleData.clone();
        uint64Data = b.uint64Data.clone();
        stringData = b.stringData.stream().map(s -> s.slice().asReadOnlyBuffer()).toList();
        externalData = List.copyOf(b.externalData);
        dataLocation = b.dataLocation;
        docString = b.docString;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this tensor's fields, to derive a changed copy. */
    public Builder toBuilder() {
        Builder b = new Builder().setName(name).setDims(dims).setDataType(dataType).optRawData(rawData)
                .optFloatData(floatData).optInt32Data(int32Data).optInt64Data(int64Data).optDoubleData(doubleData)
                .optUint64Data(uint64Data).optDataLocation(dataLocation).optDocString(docString);
        stringData.forEach(b::addStringData);
        externalData.forEach(e -> b.addExternalData(e.key(), e.value()));
        return b;
    }

    /** A float32 tensor with little-endian raw data. */
    public static TensorProto ofFloats(String name, float[] values, long... dims) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(values);
        return builder().setName(name).setDataType(ElementType.FLOAT.number()).setDims(dims).optRawData(buf).build();
    }

    /** A float16 tensor (values rounded to half precision) with little-endian raw data. */
    public static TensorProto ofFloat16(String name, float[] values, long... dims) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            buf.putShort(io.simforge.core.linalg.Half.fromFloat(v));
        }
        return builder().setName(name).setDataType(ElementType.FLOAT16.number()).setDims(dims).optRawData(buf.flip())
                .build();
    }

    /** An int64 tensor with little-endian raw data. */
    public static TensorProto ofLongs(String name, long[] values, long... dims) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buf.asLongBuffer().put(values);
        return builder().setName(name).setDataType(ElementType.INT64.number()).setDims(dims).optRawData(buf).build();
    }

    public String name() {
        return name;
    }

    /** The dimensions (a copy). */
    public long[] dims() {
        return dims.clone();
    }

    /** The number of dimensions. */
    public int rank() {
        return dims.length;
    }

    /** The product of the dimensions (1 for a scalar), or -1 when a dimension is negative or it overflows. */
    public long elementCount() {
        long n = 1;
        for (long d : dims) {
            if (d < 0) {
                return -1;
            }
            try {
                n = Math.multiplyExact(n, d);
            } catch (ArithmeticException e) {
                return -1;
            }
        }
        return n;
    }

    /** The element type's number ({@link ElementType#number()}). */
    public int dataType() {
        return dataType;
    }

    /** The raw data, read-only and little-endian; empty when the data is elsewhere. */
    public ByteBuffer rawData() {
        return rawData.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    public float[] floatData() {
        return floatData.clone();
    }

    /** int32, and the bit patterns of float16, bfloat16, int8/16, uint8/16 and bool when not in raw data. */
    public int[] int32Data() {
        return int32Data.clone();
    }

    public long[] int64Data() {
        return int64Data.clone();
    }

    public double[] doubleData() {
        return doubleData.clone();
    }

    public long[] uint64Data() {
        return uint64Data.clone();
    }

    /** Read-only views of each string. */
    public List<ByteBuffer> stringData() {
        return stringData.stream().map(ByteBuffer::duplicate).toList();
    }

    public List<StringStringEntryProto> externalData() {
        return externalData;
    }

    /** {@link #LOCATION_DEFAULT} or {@link #LOCATION_EXTERNAL}. */
    public int dataLocation() {
        return dataLocation;
    }

    /** Whether the data is in an external file. */
    public boolean isExternal() {
        return dataLocation == LOCATION_EXTERNAL;
    }

    public String docString() {
        return docString;
    }

    /** The number of values in the typed fields (whichever holds them). */
    int typedCount() {
        return floatData.length + int32Data.length + int64Data.length + doubleData.length + uint64Data.length
                + stringData.size();
    }

    float[] floatDataView() {
        return floatData;
    }

    int[] int32DataView() {
        return int32Data;
    }

    long[] int64DataView() {
        return int64Data;
    }

    double[] doubleDataView() {
        return doubleData;
    }

    long[] uint64DataView() {
        return uint64Data;
    }

    long[] dimsView() {
        return dims;
    }

    List<ByteBuffer> stringDataView() {
        return stringData;
    }

    ByteBuffer rawDataView() {
        return rawData.duplicate();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorProto t && name.equals(t.name) && Arrays.equals(dims, t.dims)
                && dataType == t.dataType && rawData.equals(t.rawData) && Arrays.equals(floatData, t.floatData)
                && Arrays.equals(int32Data, t.int32Data) && Arrays.equals(int64Data, t.int64Data)
                && Arrays.equals(doubleData, t.doubleData) && Arrays.equals(uint64Data, t.uint64Data)
                && stringData.equals(t.stringData) && externalData.equals(t.externalData)
                && dataLocation == t.dataLocation && docString.equals(t.docString);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, Arrays.hashCode(dims), dataType, rawData, Arrays.hashCode(floatData),
                Arrays.hashCode(int64Data), externalData, dataLocation);
    }

    @Override
    public String toString() {
        return "TensorProto[" + name + " " + ElementType.describe(dataType) + " " + Arrays.toString(dims)
                + (isExternal() ? " external " + externalData : " " + rawData.remaining() + " raw bytes") + "]";
    }

    /** Builder: name, data type and dims are set with {@code setX}; the data fields are optional. */
    public static final class Builder {
        private String name = "";
        private long[] dims = new long[0];
        private int dataType;
        private ByteBuffer rawData;
        private float[] floatData = new float[0];
        private int[] int32Data = new int[0];
        private long[] int64Data = new long[0];
        private double[] doubleData = new double[0];
        private long[] uint64Data = new long[0];
        private final List<ByteBuffer> stringData = new ArrayList<>();
        private final List<StringStringEntryProto> externalData = new ArrayList<>();
        private int dataLocation;
        private String docString = "";

        private Builder() {}

        public Builder setName(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        public Builder setDims(long... dims) {
            this.dims = dims.clone();
            return this;
        }

        /** The element type's number ({@link ElementType#number()}). */
        public Builder setDataType(int dataType) {
            this.dataType = dataType;
            return this;
        }

        /** Little-endian bytes from the buffer's position to its limit (kept as a read-only view, not copied). */
        public Builder optRawData(ByteBuffer raw) {
            this.rawData = raw == null ? null : raw.duplicate();
            return this;
        }

        public Builder optRawData(byte[] raw) {
            return optRawData(ByteBuffer.wrap(raw.clone()));
        }

        public Builder optFloatData(float... values) {
            this.floatData = values.clone();
            return this;
        }

        public Builder optInt32Data(int... values) {
            this.int32Data = values.clone();
            return this;
        }

        public Builder optInt64Data(long... values) {
            this.int64Data = values.clone();
            return this;
        }

        public Builder optDoubleData(double... values) {
            this.doubleData = values.clone();
            return this;
        }

        public Builder optUint64Data(long... values) {
            this.uint64Data = values.clone();
            return this;
        }

        public Builder addStringData(ByteBuffer value) {
            stringData.add(value.duplicate());
            return this;
        }

        public Builder addExternalData(String key, String value) {
            externalData.add(new StringStringEntryProto(key, value));
            return this;
        }

        /** Drops the external-data entries (to put the data back inline, or elsewhere). */
        public Builder clearExternalData() {
            externalData.clear();
            return this;
        }

        /** {@link #LOCATION_DEFAULT} or {@link #LOCATION_EXTERNAL}. */
        public Builder optDataLocation(int location) {
            this.dataLocation = location;
            return this;
        }

        public Builder optDocString(String doc) {
            this.docString = Objects.requireNonNullElse(doc, "");
            return this;
        }

        public TensorProto build() {
            return new TensorProto(this);
        }
    }
}
