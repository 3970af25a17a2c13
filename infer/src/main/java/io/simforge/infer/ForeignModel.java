package io.simforge.infer;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.TensorInfo;
import io.simforge.core.model.ModelSettings;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** What the runtime needs to know about a graph's inputs and outputs, and how a token output becomes embeddings. */
final class ForeignModel {
    private ForeignModel() {}

    /**
     * A graph input or output as ONNX Runtime reports it.
     *
     * @param shape one entry per axis, -1 for a symbolic one; null when not a tensor
     */
    record Port(String name, String type, long[] shape) {
        boolean isTensor() {
            return shape != null;
        }

        @Override
        public String toString() {
            return name + (shape == null ? " (not a tensor)" : " " + type.toLowerCase(java.util.Locale.ROOT) + " "
                    + Arrays.toString(shape).replace("-1", "?"));
        }
    }

    static List<Port> ports(Map<String, NodeInfo> nodes) {
        List<Port> out = new ArrayList<>();
        for (NodeInfo n : nodes.values()) {
            out.add(n.getInfo() instanceof TensorInfo t ? new Port(n.getName(), t.type.name(), t.getShape())
                    : new Port(n.getName(), "", null));
        }
        return out;
    }

    static String describe(Map<String, NodeInfo> nodes) {
        return ports(nodes).toString();
    }

    /** Why an output of this shape cannot give embeddings with these settings, and what to do. */
    static String outputProblem(Path model, ModelSettings s, long[] shape) {
        String found = "output '" + s.outputName() + "' has shape " + Arrays.toString(shape).replace("-1", "?");
        if (shape.length == 3 && s.pooling() == ModelSettings.Pooling.NONE) {
            return model + ": " + found + ", one vector per token: pool it into one embedding per item with --token-pooling "
                    + "cls (the first token) or --token-pooling mean (\"pooling\" in the settings file).";
        }
        if (shape.length == 2 && s.pooling() != ModelSettings.Pooling.NONE) {
            return model + ": " + found + ", already one embedding per item: there are no tokens to pool; drop the "
                    + "pooling setting.";
        }
        return model + " is not an embedding model: its " + found + ", but an embedding output is [batch, size] (or "
                + "[batch, tokens, size] with pooling). Choose another output with --output-name, or export the model "
                + "with its embedding as output.";
    }

    /**
     * Copies {@code count} embeddings out of an output of shape {@code got} ({@code [batch, size]}, or
     * {@code [batch, tokens, size]} pooled as the settings say) into {@code out} at {@code offset}.
     */
    static void pool(ModelSettings s, long[] got, FloatBuffer values, int count, int dim, float[] out, int offset,
            Path model) {
        int wantRank = s.pooling() == ModelSettings.Pooling.NONE ? 2 : 3;
        if (got.length != wantRank || got[0] < count || got[got.length - 1] != dim) {
            throw new EmbedderException(model + " returned an output of shape " + Arrays.toString(got) + " for "
                    + count + " items; expected [" + count + (wantRank == 3 ? ", tokens" : "") + ", " + dim + "]. The "
                    + "model does not fit its settings.");
        }
        if (wantRank == 2) {
            values.get(out, offset, count * dim);
            return;
        }
        int tokens = (int) got[1];
        if (tokens < 1) {
            throw new EmbedderException(model + " returned no tokens to pool (output shape " + Arrays.toString(got) + ")");
        }
        for (int i = 0; i < count; i++) {
            int base = i * tokens * dim;
            if (s.pooling() == ModelSettings.Pooling.CLS) {
                values.get(base, out, offset + i * dim, dim);
            } else {
                for (int d = 0; d < dim; d++) {
                    double sum = 0;
                    for (int t = 0; t < tokens; t++) {
                        sum += values.get(base + t * dim + d);
                    }
                    out[offset + i * dim + d] = (float) (sum / tokens);
                }
            }
        }
    }
}
