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
    /** Optimiser: {@code adam}, {@code adamw} (decoupled weight decay) or {@code sgd} (with {@link #momentum}). */
    public String optimizer = "adam";
    public float momentum = 0.9f;
    /** Weight decay: L2 added to the gradient (adam, sgd) or decoupled (adamw). */
    public float weightDecay = 0f;
    /** Learning-rate schedule after warm-up: {@code constant}, {@code step}, {@code multistep} or {@code cosine}. */
    public String schedule = "constant";
    /** Linear warm-up over this many iterations (0: none). */
    public int warmupIterations = 0;
    /** {@code step}: multiply by {@link #gamma} every this many iterations. */
    public int stepSize = 1000;
    /** {@code multistep}: multiply by {@link #gamma} after each of these iterations. */
    public int[] milestones = {};
    public float gamma = 0.1f;
    /** {@code cosine}: the rate reached at the last iteration. */
    public float minLearningRate = 0f;
    /** The embedding head (the last linear layer) learns this many times faster (1: like the backbone). */
    public float headLearningRateMultiplier = 1f;
    /** Clip every gradient value to [−c, c] (0: off), as {@code torch.nn.utils.clip_grad_value_}. */
    public float gradientClip = 0f;
    /**
     * Scale all gradients together so that their global L2 norm is at most this (0: off), as
     * {@code torch.nn.utils.clip_grad_norm_}; applied after {@link #gradientClip} when both are set.
     */
    public float gradientClipNorm = 0f;
    /** Save a checkpoint every this many iterations (0: only at the end), for {@code --resume}. */
    public int checkpointEvery = 0;
    /** Image files: stop at the first unreadable image instead of skipping it with a warning. */
    public boolean strictImages = false;
    /** Image files: the smallest random crop, as a fraction of the image's area (torchvision: 0.08). */
    public float cropMinArea = 0.16f;
    /**
     * Start from these weights instead of random ones: a saved simforge model folder ({@code <run>/model}, same
     * architecture), or an ONNX file of the same network (a torchvision ResNet written by
     * {@code tools/torchvision_to_onnx.py}, or a simforge export), matched layer by layer; null: fresh.
     */
    public String initFrom = null;
    /** With validation: stop after this many validations in a row without a better Recall@1 (0: never). */
    public int earlyStopPatience = 0;
    public long seed = 42;
    /**
     * {@code cpu}, {@code gpu}, {@code gpu:N}, or several GPUs ({@code gpu:0,1}, {@code gpu:all}: data-parallel, the
     * loss on the whole gathered batch); a request the engine cannot meet falls back to the CPU with a warning.
     */
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
        if (!List.of("adam", "adamw", "sgd").contains(optimizer)) {
            p.add("optimizer '" + optimizer + "' is unknown: choose adam, adamw or sgd");
        }
        if (!List.of("constant", "step", "multistep", "cosine").contains(schedule)) {
            p.add("schedule '" + schedule + "' is unknown: choose constant, step, multistep or cosine");
        }
        if (warmupIterations < 0 || stepSize <= 0 || !(gamma > 0) || minLearningRate < 0 || !(headLearningRateMultiplier > 0)
                || gradientClip < 0 || gradientClipNorm < 0 || checkpointEvery < 0 || momentum < 0 || weightDecay < 0 || earlyStopPatience < 0) {
            p.add("warmupIterations, gradientClip, gradientClipNorm, checkpointEvery, momentum, weightDecay and minLearningRate must not be "
                    + "negative; stepSize, gamma and headLearningRateMultiplier must be positive");
        }
        if (!(cropMinArea > 0 && cropMinArea <= 1)) {
            p.add("cropMinArea must be in (0, 1], got " + cropMinArea);
        }
        for (int i = 1; i < milestones.length; i++) {
            if (milestones[i] <= milestones[i - 1]) {
                p.add("milestones must increase, got " + java.util.Arrays.toString(milestones));
                break;
            }
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
        if (device == null || !device.matches("cpu|gpu|gpu:all|gpu:\\d+(,\\d+)*")) {
            p.add("device '" + device + "' is not understood: use cpu, gpu, gpu:N, gpu:N,M,... or gpu:all");
        } else if (device.startsWith("gpu:") && !device.equals("gpu:all")) {
            String[] ids = device.substring(4).split(",");
            if (java.util.Arrays.stream(ids).distinct().count() != ids.length) {
                p.add("device '" + device + "' names a GPU twice");
            } else if (ids.length > 1 && batchSize < 2 * ids.length) {
                p.add("batchSize " + batchSize + " is too small for " + ids.length + " GPUs: each needs at least 2 rows");
            }
        }
        return p;
    }

    /**
     * Checks that {@link #initFrom} names something that exists, for a run about to start from it (not part of
     * {@link #validate()}: a resumed run starts from its checkpoint, whatever became of the file it began with).
     *
     * @throws IllegalArgumentException naming the missing path and what is expected there
     */
    public void checkInitFrom() {
        if (initFrom != null && !java.nio.file.Files.exists(java.nio.file.Path.of(initFrom))) {
            throw new IllegalArgumentException("initFrom " + initFrom + " does not exist: give a saved model folder "
                    + "(<run>/model) or an ONNX file");
        }
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
