package io.simforge.onnx;

import java.util.Objects;

/** An operator set a model imports ({@code OperatorSetIdProto}); the empty domain is the default ONNX domain. */
public record OperatorSetIdProto(String domain, long version) {
    public OperatorSetIdProto {
        domain = Objects.requireNonNullElse(domain, "");
    }
}
