package io.simforge.onnx;

import java.util.Objects;

/**
 * The type of a value ({@code TypeProto}). Only tensor types are modelled; for sequences, maps, optionals and
 * sparse tensors {@link #tensorType()} is null (the reader skips what it does not model).
 */
public record TypeProto(Tensor tensorType, String denotation) {
    public TypeProto {
        denotation = Objects.requireNonNullElse(denotation, "");
    }

    /** A tensor type with the given element type and shape. */
    public static TypeProto tensor(int elemType, TensorShapeProto shape) {
        return new TypeProto(new Tensor(elemType, shape), "");
    }

    /**
     * A tensor type ({@code TypeProto.Tensor}).
     *
     * @param elemType the element type's number ({@link ElementType#number()})
     * @param shape the shape, or null when even the rank is unknown
     */
    public record Tensor(int elemType, TensorShapeProto shape) {}
}
