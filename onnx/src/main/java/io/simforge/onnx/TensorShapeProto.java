package io.simforge.onnx;

import java.util.List;
import java.util.Objects;

/** A tensor's shape ({@code TensorShapeProto}): one {@link Dimension} per axis. */
public record TensorShapeProto(List<Dimension> dims) {
    public TensorShapeProto {
        dims = List.copyOf(dims);
    }

    /** A shape of fixed sizes. */
    public static TensorShapeProto of(long... sizes) {
        return new TensorShapeProto(java.util.Arrays.stream(sizes).mapToObj(Dimension::fixed).toList());
    }

    /**
     * One axis: a fixed size ({@code dim_value}), a symbolic name ({@code dim_param}, such as {@code batch}), or
     * neither (unknown).
     *
     * @param value the size, or null
     * @param param the symbolic name, or null
     * @param denotation what the axis means (e.g. {@code DATA_BATCH}), or empty
     */
    public record Dimension(Long value, String param, String denotation) {
        public Dimension {
            if (value != null && param != null) {
                throw new IllegalArgumentException("a dimension has a value or a name, not both");
            }
            denotation = Objects.requireNonNullElse(denotation, "");
        }

        public static Dimension fixed(long value) {
            return new Dimension(value, null, "");
        }

        public static Dimension symbolic(String param) {
            return new Dimension(null, Objects.requireNonNull(param), "");
        }

        /** The size, the name, or {@code ?} when unknown. */
        @Override
        public String toString() {
            return value != null ? value.toString() : param != null ? param : "?";
        }
    }
}
