package io.simforge.export;

import ai.djl.Model;
import io.simforge.datasets.FashionMnist;
import io.simforge.datasets.ImageDataset;
import io.simforge.core.model.ModelMetadata;
import io.simforge.core.model.ModelSettings;
import io.simforge.infer.Embedder;
import io.simforge.infer.ModelCheck;
import io.simforge.infer.PartialSettings;
import io.simforge.models.SavedModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Checks a model the way a deployment would meet it, one line per check in plain words: it parses; what its graph
 * holds (inputs, outputs, opset, external data); its opset; its simforge metadata (or, for a foreign model, that it
 * has none yet); the settings it runs with (from its metadata, flags, or the settings files beside it) and that its
 * graph fits them; its weights match their checksum; the runtime embeds with it and the embeddings are finite (and
 * of unit length when they should be); and, given the trained model it came from, it reproduces DJL's embeddings.
 * A foreign model without complete settings fails the settings check, which lists what is missing.
 */
public final class ModelVerifier {
    private ModelVerifier() {}

    /** @param sourceModelDir the trained model folder ({@code <run>/model}) for a parity check, or null */
    public static List<ModelCheck> verify(Path onnxFile, Path sourceModelDir) {
        return verify(onnxFile, sourceModelDir, PartialSettings.NONE);
    }

    /**
     * @param sourceModelDir the trained model folder ({@code <run>/model}) for a parity check, or null
     * @param overrides settings given as flags, for a model without simforge metadata
     */
    public static List<ModelCheck> verify(Path onnxFile, Path sourceModelDir, PartialSettings overrides) {
        ModelCheck.Opened opened = ModelCheck.open(onnxFile, overrides, 8);
        List<ModelCheck> checks = new ArrayList<>(opened.checks());
        if (opened.embedder() == null) {
            return checks;
        }
        ModelMetadata meta = opened.file().metadata();
        Map<String, String> props = opened.file().properties();
        try (Embedder embedder = opened.embedder()) {
            ModelSettings settings = embedder.settings();
            boolean fashion = isFashionMnistShape(settings);
            float[] sample = sampleInputs(settings, 8);
            float[] embedded;
            try {
                embedded = embedder.embed(settings.inputKind() == ModelMetadata.InputKind.IMAGE_UINT8
                        ? rawPixels(settings, 8) : sample);
            } catch (RuntimeException e) {
                checks.add(ModelCheck.cannotRun(e));
                return checks;
            }
            int dim = settings.embeddingSize();
            double worst = 0;
            for (int i = 0; i < 8; i++) {
                double n = 0;
                for (int d = 0; d < dim; d++) {
                    n += (double) embedded[i * dim + d] * embedded[i * dim + d];
                }
                worst = Math.max(worst, Math.abs(Math.sqrt(n) - 1));
            }
            boolean unit = settings.l2Normalize() || (meta != null && meta.normalized());
            checks.add(new ModelCheck("runs", !unit || worst < 1e-3, String.format(Locale.ROOT,
                    "ONNX Runtime embeds 8 %s into finite %d-d embeddings%s",
                    fashion ? "Fashion-MNIST images" : "random inputs", dim,
                    unit ? String.format(Locale.ROOT, "; largest |‖e‖ − 1| = %.1e", worst) : "")));
            if (sourceModelDir != null) {
                if (meta == null) {
                    checks.add(new ModelCheck("parity", false, "--source compares a simforge export with its trained "
                            + "model; this model has no simforge metadata"));
                } else {
                    checks.add(parity(sourceModelDir, meta, props, sample, embedded));
                }
            }
        }
        return checks;
    }

    private static boolean isFashionMnistShape(ModelSettings meta) {
        int[] s = meta.itemShape();
        return s.length == 3 && s[0] == 1 && s[1] == 28 && s[2] == 28;
    }

    /** Real images when the model takes 28×28 grayscale (the bundled data), otherwise seeded random inputs. */
    private static float[] sampleInputs(ModelSettings meta, int n) {
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

    /**
     * For models that take 8-bit input: the raw pixels of the same images {@link #sampleInputs} normalises, or seeded
     * random pixel values for other sizes.
     */
    private static float[] rawPixels(ModelSettings settings, int n) {
        if (!isFashionMnistShape(settings)) {
            Random r = new Random(7);
            float[] x = new float[n * settings.itemSize()];
            for (int i = 0; i < x.length; i++) {
                x[i] = r.nextInt(256);
            }
            return x;
        }
        ImageDataset d = FashionMnist.bundledTestSplit().firstPerClass(1);
        float[] x = new float[n * d.imageSize()];
        for (int i = 0; i < n; i++) {
            d.copyPixels(i, x, i * d.imageSize());
        }
        return x;
    }

    private static ModelCheck parity(Path sourceModelDir, ModelMetadata meta, Map<String, String> props, float[] inputs,
            float[] ort) {
        boolean half = props.getOrDefault(ModelMetadata.KEY_EXPORT_OPTIONS, "").contains("\"weights\":\"float16\"");
        double tolerance = half ? 1e-2 : ParityCheck.TOLERANCE;
        try (Model model = SavedModel.load(sourceModelDir)) {
            float[] djl = io.simforge.models.DjlEmbedder.embed(model.getBlock(), model.getNDManager(), inputs,
                    meta.itemShape(), 64);
            if (djl.length != ort.length) {
                return new ModelCheck("parity", false, "the trained model gives "
                        + djl.length / (inputs.length / meta.itemSize()) + "-d embeddings, the ONNX file " + meta.embeddingSize() + "-d: they are different models");
            }
            double max = 0;
            for (int i = 0; i < djl.length; i++) {
                max = Math.max(max, Math.abs((double) djl[i] - ort[i]));
            }
            return new ModelCheck("parity", max <= tolerance, String.format(Locale.ROOT,
                    "largest |DJL − ONNX Runtime| over 8 inputs = %.1e (allowed %.0e%s)", max, tolerance,
                    half ? ", float16 weights" : ""));
        } catch (IOException | RuntimeException e) {
            return new ModelCheck("parity", false, "cannot load the trained model " + sourceModelDir + ": "
                    + e.getMessage());
        }
    }
}
