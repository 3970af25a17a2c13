package io.simforge.export;

import ai.djl.Model;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.simforge.datasets.FashionMnist;
import io.simforge.datasets.ImageDataset;
import io.simforge.core.model.ModelMetadata;
import io.simforge.infer.ModelCheck;
import io.simforge.models.SavedModel;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Checks an exported model the way a deployment would meet it: it parses, declares an opset this project
 * exports, carries complete simforge metadata, has the input and output the metadata names, its weights
 * match their checksum, ONNX Runtime runs it and returns unit-length embeddings, and (given the trained
 * model it came from) it reproduces DJL's embeddings. Each check reports in plain words.
 */
public final class ModelVerifier {
    private ModelVerifier() {}

    /**
     * @param sourceModelDir the trained model folder ({@code <run>/model}) for a parity check, or null
     */
    public static List<ModelCheck> verify(Path onnxFile, Path sourceModelDir) {
        ModelCheck.Structure structure = ModelCheck.structure(onnxFile);
        List<ModelCheck> checks = new ArrayList<>(structure.checks());
        ModelMetadata meta = structure.metadata();
        if (meta == null) {
            return checks;
        }
        Map<String, String> props = structure.properties();
        float[] sample = sampleInputs(meta, 8);
        boolean raw = meta.inputKind() == ModelMetadata.InputKind.IMAGE_UINT8;
        float[] ort;
        try {
            ort = run(onnxFile, meta, raw ? rawPixels(8) : sample);
            double worst = 0;
            for (int i = 0; i < 8; i++) {
                double n = 0;
                for (int d = 0; d < meta.embeddingSize(); d++) {
                    float v = ort[i * meta.embeddingSize() + d];
                    n += (double) v * v;
                }
                worst = Math.max(worst, Math.abs(Math.sqrt(n) - 1));
            }
            boolean ok = !meta.normalized() || worst < 1e-3;
            checks.add(new ModelCheck("runs", ok, String.format(Locale.ROOT, "ONNX Runtime embeds 8 %s; largest "
                    + "|‖e‖ − 1| = %.1e", meta.preprocessing() != null && isFashionMnistShape(meta)
                    ? "Fashion-MNIST images" : "random inputs", worst)));
        } catch (OrtException | RuntimeException e) {
            checks.add(ModelCheck.cannotRun(e));
            return checks;
        }
        if (sourceModelDir != null) {
            checks.add(parity(onnxFile, sourceModelDir, meta, props, sample, ort));
        }
        return checks;
    }

    private static boolean isFashionMnistShape(ModelMetadata meta) {
        int[] s = meta.itemShape();
        return s.length == 3 && s[0] == 1 && s[1] == 28 && s[2] == 28;
    }

    /** Real images when the model takes 28×28 grayscale (the bundled data), otherwise seeded random inputs. */
    private static float[] sampleInputs(ModelMetadata meta, int n) {
        if (meta.inputKind() == ModelMetadata.InputKind.IMAGE_UINT8 && !isFashionMnistShape(meta)) {
            throw new IllegalArgumentException("verify checks 8-bit-input models on the bundled 28×28 images only");
        }
        if (meta.preprocessing() != null && isFashionMnistShape(meta)) {
            ImageDataset d = FashionMnist.bundledTestSplit().firstPerClass(1);
            float[] x = new float[n * meta.itemSize()];
            d.inputs(meta.preprocessing(), 0, n, x, 0);
            return x;
        }
        Random r = new Random(7);
        float[] x = new float[n * meta.itemSize()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }

    /** The raw pixels of the same images {@link #sampleInputs} normalises, for models that take 8-bit input. */
    private static float[] rawPixels(int n) {
        ImageDataset d = FashionMnist.bundledTestSplit().firstPerClass(1);
        float[] x = new float[n * d.imageSize()];
        for (int i = 0; i < n; i++) {
            d.copyPixels(i, x, i * d.imageSize());
        }
        return x;
    }

    private static float[] run(Path onnxFile, ModelMetadata meta, float[] inputs) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        long[] shape = new long[meta.itemShape().length + 1];
        shape[0] = inputs.length / meta.itemSize();
        for (int i = 0; i < meta.itemShape().length; i++) {
            shape[i + 1] = meta.itemShape()[i];
        }
        OnnxTensor tensor;
        if (meta.inputKind() == ModelMetadata.InputKind.IMAGE_UINT8) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocateDirect(inputs.length);
            for (float v : inputs) {
                b.put((byte) Math.round(v));
            }
            tensor = OnnxTensor.createTensor(env, b.flip(), shape, ai.onnxruntime.OnnxJavaType.UINT8);
        } else {
            tensor = OnnxTensor.createTensor(env, FloatBuffer.wrap(inputs), shape);
        }
        try (OrtSession s = env.createSession(onnxFile.toString(), new OrtSession.SessionOptions());
                OnnxTensor x = tensor;
                OrtSession.Result r = s.run(Map.of(meta.inputName(), x))) {
            FloatBuffer out = ((OnnxTensor) r.get(0)).getFloatBuffer();
            float[] v = new float[out.remaining()];
            out.get(v);
            return v;
        }
    }

    private static ModelCheck parity(Path onnxFile, Path sourceModelDir, ModelMetadata meta, Map<String, String> props,
            float[] inputs, float[] ort) {
        boolean half = props.getOrDefault(ModelMetadata.KEY_EXPORT_OPTIONS, "").contains("\"weights\":\"float16\"");
        double tolerance = half ? 1e-2 : ParityCheck.TOLERANCE;
        try (Model model = SavedModel.load(sourceModelDir)) {
            float[] djl = io.simforge.models.DjlEmbedder.embed(model.getBlock(), model.getNDManager(), inputs,
                    meta.itemShape(), 64);
            if (djl.length != ort.length) {
                return new ModelCheck("parity", false, "the trained model gives " + djl.length / (inputs.length / meta.itemSize())
                        + "-d embeddings, the ONNX file " + meta.embeddingSize() + "-d: they are different models");
            }
            double max = 0;
            for (int i = 0; i < djl.length; i++) {
                max = Math.max(max, Math.abs((double) djl[i] - ort[i]));
            }
            return new ModelCheck("parity", max <= tolerance, String.format(Locale.ROOT,
                    "largest |DJL − ONNX Runtime| over 8 inputs = %.1e (allowed %.0e%s)", max, tolerance,
                    half ? ", float16 weights" : ""));
        } catch (IOException | RuntimeException e) {
            return new ModelCheck("parity", false, "cannot load the trained model " + sourceModelDir + ": " + e.getMessage());
        }
    }
}
