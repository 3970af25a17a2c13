package io.simforge.models.onnx;

import ai.djl.nn.Block;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** The registry: one {@link LayerCodec} per layer class. A new layer kind is one codec class, added here. */
public final class LayerCodecs {
    private static final Map<Class<?>, LayerCodec<?>> BY_CLASS = index(List.of(new Conv2dCodec(), new LinearCodec(),
            new BatchNormCodec(), new ReluCodec(), new MaxPoolCodec(), new GlobalAvgPoolCodec(),
            new GlobalMaxPoolCodec(), new FlattenCodec(), new L2NormCodec(), new ResidualBlockCodec()));

    private LayerCodecs() {}

    private static Map<Class<?>, LayerCodec<?>> index(List<LayerCodec<?>> codecs) {
        Map<Class<?>, LayerCodec<?>> m = new LinkedHashMap<>();
        for (LayerCodec<?> c : codecs) {
            if (m.put(c.layerClass(), c) != null) {
                throw new IllegalStateException("two ONNX codecs for " + c.layerClass().getName());
            }
        }
        return m;
    }

    /** The codec for this layer, or null when there is none. */
    @SuppressWarnings("unchecked") // the map pairs each class with the codec of that class
    public static LayerCodec<Block> find(Block layer) {
        LayerCodec<?> c = BY_CLASS.get(layer.getClass());
        if (c == null) {
            for (Map.Entry<Class<?>, LayerCodec<?>> e : BY_CLASS.entrySet()) {
                if (e.getKey().isInstance(layer)) {
                    c = e.getValue();
                    break;
                }
            }
        }
        return (LayerCodec<Block>) c;
    }

    /** The layer classes that have codecs, by simple name, for messages. */
    public static String knownLayers() {
        return BY_CLASS.keySet().stream().map(Class::getSimpleName).collect(Collectors.joining(", "));
    }

    /** The layer classes that have codecs. */
    public static List<Class<?>> layerClasses() {
        return List.copyOf(BY_CLASS.keySet());
    }
}
