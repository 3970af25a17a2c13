package io.simforge.onnx;

import java.util.Arrays;
import java.util.Objects;
import java.util.stream.Stream;

/** A named, typed value: a graph input or output ({@code ValueInfoProto}). {@code type} may be null. */
public record ValueInfoProto(String name, TypeProto type, String docString) {
    public ValueInfoProto {
        Objects.requireNonNull(name, "name");
        docString = Objects.requireNonNullElse(docString, "");
    }

    /** A tensor value with a symbolic batch dimension ({@code batch}) first, then fixed sizes. */
    public static ValueInfoProto batched(String name, ElementType elemType, long... itemDims) {
        TensorShapeProto shape = new TensorShapeProto(Stream.concat(
                Stream.of(TensorShapeProto.Dimension.symbolic("batch")),
                Arrays.stream(itemDims).mapToObj(TensorShapeProto.Dimension::fixed)).toList());
        return new ValueInfoProto(name, TypeProto.tensor(elemType.number(), shape), "");
    }

    /**
     * A tensor value whose dimensions are given as text: digits for a fixed size, anything else for a
     * symbolic name.
     */
    public static ValueInfoProto tensor(String name, ElementType elemType, String... dims) {
        TensorShapeProto shape = new TensorShapeProto(Arrays.stream(dims)
                .map(d -> !d.isEmpty() && d.chars().allMatch(Character::isDigit)
                        ? TensorShapeProto.Dimension.fixed(Long.parseLong(d)) : TensorShapeProto.Dimension.symbolic(d))
                .toList());
        return new ValueInfoProto(name, TypeProto.tensor(elemType.number(), shape), "");
    }

    /** The tensor type, or null for any other type or none. */
    public TypeProto.Tensor tensorType() {
        return type == null ? null : type.tensorType();
    }
}
