package io.simforge.onnx;

/** ONNX tensor element types ({@code TensorProto.DataType}), with their numbers in the format. */
public enum ElementType {
    UNDEFINED(0), FLOAT(1), UINT8(2), INT8(3), UINT16(4), INT16(5), INT32(6), INT64(7), STRING(8), BOOL(9),
    FLOAT16(10), DOUBLE(11), UINT32(12), UINT64(13), COMPLEX64(14), COMPLEX128(15), BFLOAT16(16),
    FLOAT8E4M3FN(17), FLOAT8E4M3FNUZ(18), FLOAT8E5M2(19), FLOAT8E5M2FNUZ(20), UINT4(21), INT4(22),
    FLOAT4E2M1(23), FLOAT8E8M0(24), UINT2(25), INT2(26);

    private static final ElementType[] BY_NUMBER = values();

    private final int number;

    ElementType(int number) {
        this.number = number;
    }

    /** The number stored in {@code data_type} and {@code elem_type}. */
    public int number() {
        return number;
    }

    /** The type with this number, or null for a number this list does not know (a newer ONNX). */
    public static ElementType of(int number) {
        return number >= 0 && number < BY_NUMBER.length ? BY_NUMBER[number] : null;
    }

    /** A readable name for any number, known or not ({@code float32}, {@code int64}, {@code type 99}). */
    public static String describe(int number) {
        ElementType t = of(number);
        if (t == null) {
            return "type " + number;
        }
        return switch (t) {
            case FLOAT -> "float32";
            case DOUBLE -> "float64";
            default -> t.name().toLowerCase(java.util.Locale.ROOT);
        };
    }
}
