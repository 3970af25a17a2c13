package io.simforge.models.onnx;

import java.io.IOException;
import java.util.List;
import java.util.Set;

/**
 * What the two global pooling codecs share: the node and a Flatten on export; on import, any global pooling
 * (the end of the convolutional part; average or max do not change which weights go where).
 */
final class GlobalPooling {
    private static final Set<String> GLOBAL_POOLS = Set.of("GlobalAveragePool", "GlobalMaxPool", "ReduceMean", "ReduceMax");

    private GlobalPooling() {}

    static String write(WriteContext ctx, String op, String base, String input) {
        String pooled = ctx.graph().node(op, base, List.of(input));
        return ctx.graph().node("Flatten", base + "_flat", List.of(pooled), io.simforge.onnx.AttributeProto.ofInt("axis", 1));
    }

    static String read(ReadContext ctx, boolean ourMax, String name, String tensor) throws IOException {
        var pool = ctx.only(tensor, name, "a global pooling (the end of the convolutional part)",
                n -> GLOBAL_POOLS.contains(n.opType()));
        boolean fileMax = pool.opType().endsWith("MaxPool") || pool.opType().equals("ReduceMax");
        if (fileMax != ourMax) {
            ctx.note("the file pools with " + (fileMax ? "max" : "average") + ", this model with "
                    + (ourMax ? "max" : "average") + " (the weights do not depend on it)");
        }
        return ctx.skipReshapes(pool.output(0));
    }
}
