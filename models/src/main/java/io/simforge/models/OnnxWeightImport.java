package io.simforge.models;

import ai.djl.nn.Block;
import io.simforge.models.onnx.ReadContext;
import io.simforge.onnx.ModelProto;
import io.simforge.onnx.OnnxFormatException;
import io.simforge.onnx.OnnxReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Copies the weights of an ONNX model into an initialised simforge network of the same structure: torchvision's
 * ResNets as {@code torch.onnx.export} writes them (with BatchNorm as nodes, or folded into the convolutions),
 * and any model simforge exported (every option: folded BatchNorm, float16 weights, 8-bit input, external data).
 *
 * <p>The match is by graph structure, not by tensor names (which exporters rename at will): the network is walked
 * layer by layer alongside the ONNX graph, following the data from one node to its consumer, and each
 * convolution, BatchNorm and linear layer must meet a node with the same shape and settings (kernel, stride,
 * padding, dilation, groups). Where a residual block's input feeds two convolutions (main path and projection),
 * the shapes tell them apart. The embedding head is imported only when the file has a linear layer of the same
 * shape after the global pooling; a classifier of another width is left out and the head keeps its fresh
 * initialisation. Nothing is written to the network unless the whole walk succeeds. Each layer kind's matching
 * is in its {@link io.simforge.models.onnx.LayerCodec}; the walk is {@link ReadContext}.
 *
 * <p>A file with BatchNorm folded into its convolutions (what an eval-mode {@code torch.onnx.export} writes)
 * loads as BatchNorm layers that pass the convolution's bias through (γ = 1, β = bias, μ = 0, σ² = 1 − ε): the
 * same function in inference and with frozen BatchNorm; trainable BatchNorm would renormalise with batch
 * statistics, which {@link Report#batchNormFolded()} lets the caller warn about.
 */
public final class OnnxWeightImport {
    private OnnxWeightImport() {}

    /**
     * What was imported.
     *
     * @param layers convolution, BatchNorm and linear layers that received weights
     * @param values weight values copied
     * @param batchNormFolded the file had BatchNorm folded into its convolutions
     * @param headImported the embedding head came from the file too
     * @param notes anything the user should know, in plain words (channel adaptation, pooling, the head)
     */
    public record Report(Path file, int layers, long values, boolean batchNormFolded, boolean headImported,
            List<String> notes) {
        /** One paragraph for the log. */
        public String summary() {
            StringBuilder s = new StringBuilder(String.format(Locale.ROOT,
                    "initialised %d layers (%,d values) from %s", layers, values, file));
            for (String n : notes) {
                s.append("; ").append(n);
            }
            return s.toString();
        }
    }

    /**
     * Imports {@code file} into {@code block}, which must be initialised (its parameters have arrays).
     *
     * @throws IOException when the file is not a readable ONNX model, or its graph does not match the network
     *     (the message names the layer and what the file has there)
     */
    public static Report load(Path file, Block block) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + " does not exist or is not a file");
        }
        if (!block.isInitialized()) {
            throw new IllegalStateException("initialise the block before importing weights into it");
        }
        ModelProto model;
        try {
            model = OnnxReader.read(file);
        } catch (OnnxFormatException e) {
            throw new IOException(file + " is not a complete ONNX model (" + e.getMessage() + "): the file is truncated "
                    + "or is not ONNX. Export it again (tools/torchvision_to_onnx.py, or simforge export).", e);
        }
        if (model.graph() == null || model.graph().nodes().isEmpty()) {
            throw new IOException(file + " holds no ONNX graph: it is not an ONNX model, or an empty one");
        }
        ReadContext walk = ReadContext.walk(file, model.graph(), block);
        walk.apply();
        return new Report(file, walk.layers(), walk.valueCount(), walk.batchNormFolded(), walk.headImported(),
                walk.notes());
    }
}
