package io.simforge.train;

import java.util.ArrayList;
import java.util.List;

/**
 * Every setting of a training run, with the quickstart's defaults. Plain fields so that it reads from and
 * writes to JSON as is; {@link #validate()} checks it before any work starts.
 */
public final class TrainConfig {
    /** Network: {@code convnet}, {@code mlp}, {@code resnet18}, {@code resnet34} or {@code resnet50}. */
    public String architecture = "convnet";
    /** Convolution channels per stage (convnet), hidden units (mlp), or one width of the first stage (ResNets: 64). */
    public int[] widths = {32, 64, 128};
    /** ResNets: the global pooling before the embedding head, avg or max. */
    public String pooling = "avg";
    /** ResNets: BatchNorm keeps its running statistics fixed while training (the MS paper's recipe). */
    public boolean frozenBatchNorm = false;
    public int embeddingSize = 64;

    public int iterations = 600;
    /** Batch size; must be P×K with K = {@link #samplesPerClass}. */
    public int batchSize = 80;
    public int samplesPerClass = 16;
    public float learningRate = 1e-3f;
    public float weightDecay = 0f;
    public long seed = 42;
    public String device = "cpu";

    /** Loss: {@code ms} (Multi-Similarity), {@code triplet} (batch-hard), {@code lifted}, {@code npair} or {@code contrastive}. */
    public String loss = "ms";
    public float msAlpha = 2f;
    public float msBeta = 40f;
    public float msLambda = 0.5f;
    public float msEpsilon = 0.1f;
    public boolean msMining = true;
    public float tripletMargin = 0.1f;
    public boolean tripletSoftMargin = false;
    public float liftedMargin = 1f;
    public float npairL2Weight = 0f;
    public float contrastivePositiveMargin = 0f;
    public float contrastiveNegativeMargin = 1f;

    /** Wrap the loss with Embedding Expansion. */
    public boolean ee = false;
    public int eeSyntheticPoints = 2;
    public boolean eeNormalize = true;

    /**
     * Reads a configuration from JSON. Keys left out keep their defaults; an unknown key (a typo, most
     * likely) is refused with the list of valid ones rather than silently ignored.
     */
    public static TrainConfig fromJson(String json, String source) {
        com.google.gson.JsonObject o;
        try {
            o = com.google.gson.JsonParser.parseString(json).getAsJsonObject();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(source + " is not a JSON object of training settings: " + e.getMessage());
        }
        java.util.Set<String> known = new java.util.TreeSet<>();
        for (java.lang.reflect.Field f : TrainConfig.class.getFields()) {
            if (!java.lang.reflect.Modifier.isStatic(f.getModifiers())) {
                known.add(f.getName());
            }
        }
        for (String key : o.keySet()) {
            if (!known.contains(key)) {
                throw new IllegalArgumentException(source + ": unknown setting '" + key + "'. Valid settings: "
                        + String.join(", ", known));
            }
        }
        try {
            return io.simforge.core.io.Json.fromJson(json, TrainConfig.class);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(source + ": a setting has the wrong type (" + e.getMessage() + ")");
        }
    }

    /** Checks every setting and returns all problems at once; empty when valid. */
    public List<String> problems() {
        List<String> p = new ArrayList<>();
        if (!java.util.List.of("convnet", "mlp", "resnet18", "resnet34", "resnet50").contains(architecture)) {
            p.add("architecture '" + architecture + "' is unknown: choose convnet, mlp, resnet18, resnet34 or resnet50");
        } else if (architecture.startsWith("resnet") && widths.length != 1) {
            p.add("widths " + java.util.Arrays.toString(widths) + " do not fit " + architecture + ": give one width, of "
                    + "its first stage (64 is the standard network)");
        }
        if (!"avg".equals(pooling) && !"max".equals(pooling)) {
            p.add("pooling '" + pooling + "' is unknown: choose avg or max");
        }
        if (embeddingSize <= 0) {
            p.add("embeddingSize must be positive, got " + embeddingSize);
        }
        if (iterations <= 0) {
            p.add("iterations must be positive, got " + iterations);
        }
        if (samplesPerClass <= 0) {
            p.add("samplesPerClass (K) must be positive, got " + samplesPerClass);
        } else if (batchSize <= 0 || batchSize % samplesPerClass != 0) {
            p.add("batchSize " + batchSize + " is not P×K for K = " + samplesPerClass
                    + " samples per class: use a multiple of " + samplesPerClass);
        } else if (batchSize / samplesPerClass < 2) {
            p.add("batchSize " + batchSize + " holds only one class of K = " + samplesPerClass
                    + ": metric losses need at least 2 classes per batch");
        }
        if (!(learningRate > 0)) {
            p.add("learningRate must be positive, got " + learningRate);
        }
        if (!Losses.NAMES.contains(loss)) {
            p.add("loss '" + loss + "' is unknown: choose one of " + String.join(", ", Losses.NAMES));
        } else if (p.isEmpty()) {
            try {
                p.addAll(Losses.fromConfig(this).layoutProblems(batchSize / samplesPerClass, samplesPerClass));
            } catch (IllegalArgumentException e) {
                p.add(e.getMessage());
            }
        }
        if (!"cpu".equals(device)) {
            p.add("device '" + device + "' is not supported yet: use cpu");
        }
        return p;
    }

    /** @throws IllegalArgumentException listing every problem */
    public TrainConfig validate() {
        List<String> p = problems();
        if (!p.isEmpty()) {
            throw new IllegalArgumentException("invalid training configuration:\n  - " + String.join("\n  - ", p));
        }
        return this;
    }
}
