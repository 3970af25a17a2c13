package io.simforge.onnx;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;

/** A tensor's values, wherever the file keeps them: raw data, a typed field, or an external data file. */
public final class TensorData {
    private TensorData() {}

    /**
     * The tensor's little-endian bytes when it has raw or external data; null when its values are in a typed
     * field ({@code float_data}, {@code int32_data}, ...).
     *
     * @param modelDir the folder of the .onnx file (for external data; may be null when there is none)
     */
    public static ByteBuffer rawBytes(TensorProto t, Path modelDir) throws IOException {
        if (t.isExternal()) {
            if (modelDir == null) {
                throw new IOException("tensor '" + t.name() + "' keeps its data in an external file, and no model folder "
                        + "was given to find it in");
            }
            return ExternalData.read(t, modelDir);
        }
        ByteBuffer raw = t.rawData();
        return raw.hasRemaining() || t.typedCount() == 0 ? raw : null;
    }

    /**
     * The values of a float32, float16, bfloat16 or float64 tensor as float32.
     *
     * @throws OnnxFormatException when the amount of data does not match the dims
     * @throws IllegalArgumentException for any other element type
     */
    public static float[] toFloats(TensorProto t, Path modelDir) throws IOException {
        ElementType type = ElementType.of(t.dataType());
        long count = t.elementCount();
        if (count < 0 || count > Integer.MAX_VALUE - 8) {
            throw new OnnxFormatException("tensor '" + t.name() + "' has dims " + Arrays.toString(t.dims())
                    + ", which no array holds; the model is damaged");
        }
        int n = (int) count;
        int width = switch (type == null ? ElementType.UNDEFINED : type) {
            case FLOAT -> 4;
            case FLOAT16, BFLOAT16 -> 2;
            case DOUBLE -> 8;
            default -> throw new IllegalArgumentException("tensor '" + t.name() + "' holds "
                    + ElementType.describe(t.dataType()) + ", not floating-point values");
        };
        ByteBuffer raw = rawBytes(t, modelDir);
        // The data's size is checked against the dims before the array is allocated: damaged dims cannot ask for more.
        if (raw != null) {
            if (raw.remaining() != (long) n * width) {
                throw new OnnxFormatException("tensor '" + t.name() + "' has " + raw.remaining() + " bytes of data for dims "
                        + Arrays.toString(t.dims()) + " (" + (long) n * width + " expected); the model is damaged");
            }
            float[] out = new float[n];
            int base = raw.position();
            for (int i = 0; i < n; i++) {
                out[i] = switch (type) {
                    case FLOAT -> raw.getFloat(base + 4 * i);
                    case FLOAT16 -> io.simforge.core.linalg.Half.toFloat(raw.getShort(base + 2 * i));
                    case BFLOAT16 -> Float.intBitsToFloat((raw.getShort(base + 2 * i) & 0xffff) << 16);
                    default -> (float) raw.getDouble(base + 8 * i);
                };
            }
            return out;
        }
        int stored = switch (type) {
            case FLOAT -> t.floatDataView().length;
            case DOUBLE -> t.doubleDataView().length;
            default -> t.int32DataView().length;
        };
        if (stored != n) {
            throw new OnnxFormatException("tensor '" + t.name() + "' has " + stored + " values for dims "
                    + Arrays.toString(t.dims()) + " (" + n + " expected); the model is damaged");
        }
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = switch (type) {
                case FLOAT -> t.floatDataView()[i];
                case FLOAT16 -> io.simforge.core.linalg.Half.toFloat((short) t.int32DataView()[i]);
                case BFLOAT16 -> Float.intBitsToFloat((t.int32DataView()[i] & 0xffff) << 16);
                default -> (float) t.doubleDataView()[i];
            };
        }
        return out;
    }
}
