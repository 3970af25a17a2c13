package io.simforge.onnx;

import java.util.Objects;

/** A key–value pair ({@code StringStringEntryProto}): model metadata and external-data locations. */
public record StringStringEntryProto(String key, String value) {
    public StringStringEntryProto {
        key = Objects.requireNonNullElse(key, "");
        value = Objects.requireNonNullElse(value, "");
    }
}
