package io.simforge.train;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.annotations.SerializedName;
import io.simforge.core.device.DeviceSpec;
import io.simforge.core.format.Format;
import io.simforge.core.format.FormatException;
import io.simforge.core.io.Json;
import io.simforge.models.Architecture;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Every setting of a training run: immutable, with the quickstart's defaults, choices as enums. Build one with
 * {@link #builder()} ({@code optX} for each setting; {@link Builder#build()} checks every setting and reports all
 * problems at once), or read it from JSON ({@link #fromJson}); {@link #toJson()} writes it back.
 *
 * <p>The JSON form ({@code config.json} of a run, the recipes in {@code configs/}) has the keys of the accessors
 * below, after a header {@code "format": "simforge-train-config", "version": 2}. Files without a header are
 * version 1 (before simforge 0.2): they gave the batch as {@code batchSize} (P×K) instead of
 * {@code classesPerBatch} (P), and still load. An unknown key (a typo, most likely) is refused with the list of
 * valid ones rather than silently ignored.
 */
public final class TrainConfig {
    /** {@code config.json}: version 2 added the header and gives P as {@code classesPerBatch} instead of {@code batchSize}. */
    public static final Format FORMAT = Format.of("simforge-train-config", 2).withUnversionedAsVersion1();

    /** The optimiser. */
    public enum Optimizer {
        @SerializedName("adam") ADAM,
        /** Adam with decoupled weight decay. */
        @SerializedName("adamw") ADAMW,
        /** Stochastic gradient descent with {@link #momentum()}. */
        @SerializedName("sgd") SGD;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The learning-rate schedule after warm-up. */
    public enum Schedule {
        @SerializedName("constant") CONSTANT,
        /** × gamma every {@code stepSize} iterations. */
        @SerializedName("step") STEP,
        /** × gamma after each of the {@code milestones}. */
        @SerializedName("multistep") MULTISTEP,
        /** Cosine annealing to {@code minLearningRate} at the last iteration. */
        @SerializedName("cosine") COSINE;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    // Every field is a setting (the JSON keys); defaults are the quickstart's. Never written after construction.
    private Architecture.Kind architecture = Architecture.Kind.CONVNET;
    private int[] widths = {32, 64, 128};
    private Architecture.Pooling pooling = Architecture.Pooling.AVG;
    private boolean frozenBatchNorm = false;
    private int embeddingSize = 64;

    private int iterations = 600;
    private int classesPerBatch = 5;
    private int samplesPerClass = 16;
    private float learningRate = 1e-3f;
    private Optimizer optimizer = Optimizer.ADAM;
    private float momentum = 0.9f;
    private float weightDecay = 0f;
    private Schedule schedule = Schedule.CONSTANT;
    private int warmupIterations = 0;
    private int stepSize = 1000;
    private int[] milestones = {};
    private float gamma = 0.1f;
    private float minLearningRate = 0f;
    private float headLearningRateMultiplier = 1f;
    private float gradientClip = 0f;
    private float gradientClipNorm = 0f;
    private int checkpointEvery = 0;
    private boolean strictImages = false;
    private float cropMinArea = 0.16f;
    private boolean horizontalFlip = true;
    private float colorJitter = 0f;
    private String initFrom = null;
    private int earlyStopPatience = 0;
    private long seed = 42;
    private DeviceSpec device = DeviceSpec.cpu();

    private LossKind loss = LossKind.MS;
    private float msAlpha = 2f;
    private float msBeta = 40f;
    private float msLambda = 0.5f;
    private float msEpsilon = 0.1f;
    private boolean msMining = true;
    private float tripletMargin = 0.1f;
    private boolean tripletSoftMargin = false;
    private float liftedMargin = 1f;
    private float npairL2Weight = 0f;
    private float contrastivePositiveMargin = 0f;
    private float contrastiveNegativeMargin = 1f;
    private float circleGamma = 80f;
    private float circleMargin = 0.4f;
    private float proxyAnchorAlpha = 32f;
    private float proxyAnchorDelta = 0.1f;
    private float arcfaceScale = 64f;
    private float arcfaceMargin = 0.5f;
    private float cosfaceScale = 64f;
    private float cosfaceMargin = 0.35f;
    private float lossLearningRateMultiplier = 100f;

    private boolean ee = false;
    private int eeSyntheticPoints = 2;
    private boolean eeNormalize = true;

    private int xbmSize = 0;
    private int xbmWarmupIterations = 0;
    private float xbmWeight = 1f;

    private TrainConfig() {}

    /** The defaults (the quickstart's settings). */
    public static TrainConfig defaults() {
        return new TrainConfig();
    }

    public static Builder builder() {
        return new Builder(new TrainConfig());
    }

    /** A builder that starts from these settings. */
    public Builder toBuilder() {
        return new Builder(copy());
    }

    /** Network family. */
    public Architecture.Kind architecture() {
        return architecture;
    }

    /** Convolution channels per stage (convnet), hidden units (mlp), or one width of the first stage (ResNets: 64). */
    public int[] widths() {
        return widths.clone();
    }

    /** ResNets: the global pooling before the embedding head. */
    public Architecture.Pooling pooling() {
        return pooling;
    }

    /** ResNets: BatchNorm keeps its running statistics fixed while training (the MS paper's recipe). */
    public boolean frozenBatchNorm() {
        return frozenBatchNorm;
    }

    public int embeddingSize() {
        return embeddingSize;
    }

    public int iterations() {
        return iterations;
    }

    /** P: classes in a batch. */
    public int classesPerBatch() {
        return classesPerBatch;
    }

    /** K: images of each class in a batch. */
    public int samplesPerClass() {
        return samplesPerClass;
    }

    /** P×K. */
    public int batchSize() {
        return classesPerBatch * samplesPerClass;
    }

    public float learningRate() {
        return learningRate;
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    /** SGD's momentum. */
    public float momentum() {
        return momentum;
    }

    /** Weight decay: L2 added to the gradient (adam, sgd) or decoupled (adamw). */
    public float weightDecay() {
        return weightDecay;
    }

    public Schedule schedule() {
        return schedule;
    }

    /** Linear warm-up over this many iterations (0: none). */
    public int warmupIterations() {
        return warmupIterations;
    }

    /** {@code step}: multiply by {@link #gamma()} every this many iterations. */
    public int stepSize() {
        return stepSize;
    }

    /** {@code multistep}: multiply by {@link #gamma()} after each of these iterations. */
    public int[] milestones() {
        return milestones.clone();
    }

    public float gamma() {
        return gamma;
    }

    /** {@code cosine}: the rate reached at the last iteration. */
    public float minLearningRate() {
        return minLearningRate;
    }

    /** The embedding head (the last linear layer) learns this many times faster (1: like the backbone). */
    public float headLearningRateMultiplier() {
        return headLearningRateMultiplier;
    }

    /** Clip every gradient value to [−c, c] (0: off), as {@code torch.nn.utils.clip_grad_value_}. */
    public float gradientClip() {
        return gradientClip;
    }

    /**
     * Scale all gradients together so that their global L2 norm is at most this (0: off), as
     * {@code torch.nn.utils.clip_grad_norm_}; applied after {@link #gradientClip()} when both are set.
     */
    public float gradientClipNorm() {
        return gradientClipNorm;
    }

    /** Save a checkpoint every this many iterations (0: only at the end), for resuming. */
    public int checkpointEvery() {
        return checkpointEvery;
    }

    /** Image files: stop at the first unreadable image instead of skipping it with a warning. */
    public boolean strictImages() {
        return strictImages;
    }

    /** Image files: the smallest random crop, as a fraction of the image's area (torchvision: 0.08). */
    public float cropMinArea() {
        return cropMinArea;
    }

    /** Image files: mirror half of the crops (off for data where a mirror image is another class, as with emoji). */
    public boolean horizontalFlip() {
        return horizontalFlip;
    }

    /**
     * Image files: brightness, contrast and saturation jitter, each factor drawn from [1 − j, 1 + j] (0: none), as
     * torchvision's {@code ColorJitter(j, j, j)}.
     */
    public float colorJitter() {
        return colorJitter;
    }

    /**
     * Start from these weights instead of random ones: a saved simforge model folder ({@code <run>/model}, same
     * architecture), or an ONNX file of the same network (a torchvision ResNet written by
     * {@code tools/torchvision_to_onnx.py}, or a simforge export), matched layer by layer; null: fresh.
     */
    public String initFrom() {
        return initFrom;
    }

    /** With validation: stop after this many validations in a row without a better Recall@1 (0: never). */
    public int earlyStopPatience() {
        return earlyStopPatience;
    }

    public long seed() {
        return seed;
    }

    /**
     * Where to train: the CPU, a GPU, or several GPUs (data-parallel, the loss on the whole gathered batch); a
     * request the engine cannot meet falls back to the CPU with a warning.
     */
    public DeviceSpec device() {
        return device;
    }

    public LossKind loss() {
        return loss;
    }

    public float msAlpha() {
        return msAlpha;
    }

    public float msBeta() {
        return msBeta;
    }

    public float msLambda() {
        return msLambda;
    }

    public float msEpsilon() {
        return msEpsilon;
    }

    public boolean msMining() {
        return msMining;
    }

    public float tripletMargin() {
        return tripletMargin;
    }

    public boolean tripletSoftMargin() {
        return tripletSoftMargin;
    }

    public float liftedMargin() {
        return liftedMargin;
    }

    public float npairL2Weight() {
        return npairL2Weight;
    }

    public float contrastivePositiveMargin() {
        return contrastivePositiveMargin;
    }

    public float contrastiveNegativeMargin() {
        return contrastiveNegativeMargin;
    }

    /** Circle loss: γ, the scale (80, the paper's fine-grained retrieval setting). */
    public float circleGamma() {
        return circleGamma;
    }

    /** Circle loss: m, the relaxation margin (0.4). */
    public float circleMargin() {
        return circleMargin;
    }

    /** Proxy-Anchor: α, the scale (32). */
    public float proxyAnchorAlpha() {
        return proxyAnchorAlpha;
    }

    /** Proxy-Anchor: δ, the margin (0.1). */
    public float proxyAnchorDelta() {
        return proxyAnchorDelta;
    }

    /** ArcFace: s, the logits' scale (64). */
    public float arcfaceScale() {
        return arcfaceScale;
    }

    /** ArcFace: the additive angular margin m in radians (0.5, i.e. 28.6°). */
    public float arcfaceMargin() {
        return arcfaceMargin;
    }

    /** CosFace: s, the logits' scale (64). */
    public float cosfaceScale() {
        return cosfaceScale;
    }

    /** CosFace: the additive cosine margin m (0.35). */
    public float cosfaceMargin() {
        return cosfaceMargin;
    }

    /**
     * Losses with parameters of their own (proxy-anchor's proxies, arcface's and cosface's class weights) train them
     * at this many times the network's learning rate, on the same schedule (100, as the Proxy-Anchor paper).
     */
    public float lossLearningRateMultiplier() {
        return lossLearningRateMultiplier;
    }

    /** Wrap the loss with Embedding Expansion. */
    public boolean ee() {
        return ee;
    }

    public int eeSyntheticPoints() {
        return eeSyntheticPoints;
    }

    public boolean eeNormalize() {
        return eeNormalize;
    }

    /** Cross-batch memory: how many earlier embeddings a pair-based loss also mines against (0: off). */
    public int xbmSize() {
        return xbmSize;
    }

    /** Cross-batch memory: iterations trained before the memory starts filling (0: from the first). */
    public int xbmWarmupIterations() {
        return xbmWarmupIterations;
    }

    /** Cross-batch memory: the weight of the memory's term in the loss (1). */
    public float xbmWeight() {
        return xbmWeight;
    }

    /** The loss in words, e.g. "Multi-Similarity loss + Embedding Expansion (n=2)". */
    public String lossDescription() {
        String base = switch (loss) {
            case MS -> "Multi-Similarity loss" + (msMining ? "" : " (no mining)");
            case TRIPLET -> "batch-hard triplet loss" + (tripletSoftMargin ? " (soft margin)" : "");
            case LIFTED -> "lifted structure loss";
            case NPAIR -> "N-pair loss";
            case CONTRASTIVE -> "contrastive loss";
            case CIRCLE -> "Circle loss";
            case PROXY_ANCHOR -> "Proxy-Anchor loss";
            case ARCFACE -> "ArcFace loss";
            case COSFACE -> "CosFace loss";
        };
        String withEe = ee ? base + " + Embedding Expansion (n=" + eeSyntheticPoints + ")" : base;
        return xbmSize > 0 ? withEe + " + cross-batch memory (M=" + xbmSize + ")" : withEe;
    }

    // ---------------------------------------------------------------------------------------------- JSON

    /** The settings as JSON, header first. */
    public String toJson() {
        JsonObject o = FORMAT.header();
        Json.toJsonTree(this).getAsJsonObject().entrySet().forEach(e -> o.add(e.getKey(), e.getValue()));
        return Json.toJson(o);
    }

    /**
     * Reads settings from JSON (a run's {@code config.json}, a recipe). Keys left out keep their defaults; every
     * problem — an unknown key, a choice that does not exist, a value out of range — is reported at once.
     *
     * @param source names the file in messages
     * @throws IllegalArgumentException listing every problem
     */
    public static TrainConfig fromJson(String json, String source) {
        JsonObject o;
        try {
            o = JsonParser.parseString(json).getAsJsonObject();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(source + " is not a JSON object of training settings: " + e.getMessage());
        }
        return fromJson(o, source);
    }

    private static TrainConfig fromJson(JsonObject original, String source) {
        JsonObject o = original.deepCopy();
        try {
            FORMAT.checkHeader(o, source); // version 1 had no header; it differs only in its batch key, below
        } catch (FormatException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        o.remove(Format.FORMAT_KEY);
        o.remove(Format.VERSION_KEY);
        List<String> problems = new ArrayList<>();
        if (o.has("batchSize")) {
            // Version 1 gave P×K; an explicit classesPerBatch wins.
            JsonElement b = o.remove("batchSize");
            int k = o.has("samplesPerClass") ? o.get("samplesPerClass").getAsInt() : new TrainConfig().samplesPerClass;
            int batch = b.getAsInt();
            if (!o.has("classesPerBatch")) {
                if (k <= 0 || batch % k != 0) {
                    problems.add("batchSize " + batch + " is not P×K for K = " + k + " samples per class: use a multiple "
                            + "of " + k + " (or give P as classesPerBatch)");
                } else {
                    o.addProperty("classesPerBatch", batch / k);
                }
            }
        }
        Set<String> known = settingNames();
        for (String key : o.keySet()) {
            if (!known.contains(key)) {
                throw new IllegalArgumentException(source + ": unknown setting '" + key + "'. Valid settings: "
                        + String.join(", ", known));
            }
        }
        checkChoice(o, "architecture", Architecture.Kind.class, Architecture.NAMES, problems);
        checkChoice(o, "pooling", Architecture.Pooling.class, "avg or max", problems);
        checkChoice(o, "optimizer", Optimizer.class, "adam, adamw or sgd", problems);
        checkChoice(o, "schedule", Schedule.class, "constant, step, multistep or cosine", problems);
        checkChoice(o, "loss", LossKind.class, LossKind.NAMES, problems);
        if (o.has("device")) {
            try {
                DeviceSpec.parse(o.get("device").getAsString());
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage());
                o.remove("device");
            }
        }
        TrainConfig c;
        try {
            c = Json.fromJson(o, TrainConfig.class);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(source + ": a setting has the wrong type (" + e.getMessage() + ")");
        }
        c.fillNulls();
        problems.addAll(c.problems());
        if (!problems.isEmpty()) {
            throw invalid(problems);
        }
        return c;
    }

    /**
     * These settings with {@code key=value} overrides applied (values are JSON — numbers, booleans, arrays — or
     * plain strings), checked like a file.
     */
    public TrainConfig withSettings(List<String> keyValues) {
        if (keyValues.isEmpty()) {
            return this;
        }
        JsonObject o = JsonParser.parseString(toJson()).getAsJsonObject();
        for (String kv : keyValues) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("a setting is KEY=VALUE, got '" + kv + "'");
            }
            String key = kv.substring(0, eq).trim();
            String value = kv.substring(eq + 1);
            JsonElement e;
            try {
                e = JsonParser.parseString(value);
                if (!e.isJsonPrimitive() && !e.isJsonArray()) {
                    e = new JsonPrimitive(value);
                }
            } catch (RuntimeException notJson) {
                e = new JsonPrimitive(value);
            }
            if (key.equals("batchSize")) {
                o.remove("classesPerBatch"); // the older spelling given on purpose: P follows from it
            }
            o.add(key, e);
        }
        return fromJson(o, "the settings given");
    }

    /** The setting names (JSON keys). */
    public static Set<String> settingNames() {
        Set<String> names = new TreeSet<>();
        for (Field f : TrainConfig.class.getDeclaredFields()) {
            if (!Modifier.isStatic(f.getModifiers())) {
                names.add(f.getName());
            }
        }
        return names;
    }

    private static <E extends Enum<E>> void checkChoice(JsonObject o, String key, Class<E> type, String choices,
            List<String> problems) {
        if (!o.has(key)) {
            return;
        }
        String value = o.get(key).isJsonPrimitive() ? o.get(key).getAsString() : o.get(key).toString();
        for (E e : type.getEnumConstants()) {
            if (e.toString().equals(value)) {
                return;
            }
        }
        problems.add(key + " '" + value + "' is unknown: choose " + choices);
        o.remove(key);
    }

    /** Keys a file left null (e.g. {@code "initFrom": null} is fine, an explicit null choice is not). */
    private void fillNulls() {
        TrainConfig d = new TrainConfig();
        if (architecture == null) {
            architecture = d.architecture;
        }
        if (pooling == null) {
            pooling = d.pooling;
        }
        if (optimizer == null) {
            optimizer = d.optimizer;
        }
        if (schedule == null) {
            schedule = d.schedule;
        }
        if (loss == null) {
            loss = d.loss;
        }
        if (device == null) {
            device = d.device;
        }
        if (widths == null) {
            widths = d.widths;
        }
        if (milestones == null) {
            milestones = d.milestones;
        }
    }

    // ----------------------------------------------------------------------------------------- validation

    /** Every problem with these settings; empty when they are valid. */
    private List<String> problems() {
        List<String> p = new ArrayList<>();
        if (architecture.isResNet() && widths.length != 1) {
            p.add("widths " + Arrays.toString(widths) + " do not fit " + architecture + ": give one width, of its first "
                    + "stage (64 is the standard network)");
        }
        if (embeddingSize <= 0) {
            p.add("embeddingSize must be positive, got " + embeddingSize);
        }
        if (iterations <= 0) {
            p.add("iterations must be positive, got " + iterations);
        }
        if (samplesPerClass <= 0) {
            p.add("samplesPerClass (K) must be positive, got " + samplesPerClass);
        }
        if (classesPerBatch < 2) {
            p.add("classesPerBatch (P) is " + classesPerBatch + ": metric losses need at least 2 classes per batch");
        }
        if (!(learningRate > 0)) {
            p.add("learningRate must be positive, got " + learningRate);
        }
        if (warmupIterations < 0 || stepSize <= 0 || !(gamma > 0) || minLearningRate < 0
                || !(headLearningRateMultiplier > 0) || gradientClip < 0 || gradientClipNorm < 0 || checkpointEvery < 0
                || momentum < 0 || weightDecay < 0 || earlyStopPatience < 0) {
            p.add("warmupIterations, gradientClip, gradientClipNorm, checkpointEvery, momentum, weightDecay, "
                    + "earlyStopPatience and minLearningRate must not be negative; stepSize, gamma and "
                    + "headLearningRateMultiplier must be positive");
        }
        if (!(lossLearningRateMultiplier > 0) || !Float.isFinite(lossLearningRateMultiplier)) {
            p.add("lossLearningRateMultiplier must be positive, got " + lossLearningRateMultiplier);
        }
        if (xbmSize < 0) {
            p.add("xbmSize must be 0 (no cross-batch memory) or positive, got " + xbmSize);
        }
        if (!(cropMinArea > 0 && cropMinArea <= 1)) {
            p.add("cropMinArea must be in (0, 1], got " + cropMinArea);
        }
        if (!(colorJitter >= 0 && colorJitter < 1)) {
            p.add("colorJitter must be in [0, 1), got " + colorJitter);
        }
        for (int i = 1; i < milestones.length; i++) {
            if (milestones[i] <= milestones[i - 1]) {
                p.add("milestones must increase, got " + Arrays.toString(milestones));
                break;
            }
        }
        if (p.isEmpty()) {
            try {
                p.addAll(Losses.fromConfig(this).layoutProblems(classesPerBatch, samplesPerClass));
            } catch (IllegalArgumentException e) {
                p.add(e.getMessage());
            }
        }
        if (device.isMultiple() && !device.all() && batchSize() < 2 * device.ids().size()) {
            p.add("the batch of " + batchSize() + " is too small for " + device.ids().size()
                    + " GPUs: each needs at least 2 rows");
        }
        if (device.isMultiple() && (gradientClip > 0 || gradientClipNorm > 0)) {
            // Clipping would read the first device's gradients before DJL sums the replicas': it would clip a part.
            p.add("gradient clipping is not supported with several GPUs yet (device " + device + "); train on one "
                    + "GPU, or without gradientClip and gradientClipNorm");
        }
        return p;
    }

    private static IllegalArgumentException invalid(List<String> problems) {
        return new IllegalArgumentException("invalid training configuration:\n  - " + String.join("\n  - ", problems));
    }

    private TrainConfig copy() {
        return Json.fromJson(Json.toJsonTree(this), TrainConfig.class);
    }

    /** The settings that differ from the defaults, for a one-line description. */
    public Map<String, Object> changedSettings() {
        JsonObject mine = Json.toJsonTree(this).getAsJsonObject();
        JsonObject defaults = Json.toJsonTree(new TrainConfig()).getAsJsonObject();
        Map<String, Object> out = new LinkedHashMap<>();
        for (String key : mine.keySet()) {
            if (!mine.get(key).equals(defaults.get(key))) {
                out.put(key, mine.get(key));
            }
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TrainConfig c && Json.toJsonTree(this).equals(Json.toJsonTree(c));
    }

    @Override
    public int hashCode() {
        return Json.toJsonTree(this).hashCode();
    }

    @Override
    public String toString() {
        return "TrainConfig" + changedSettings();
    }

    /**
     * Builds a {@link TrainConfig}; every setting is optional (the defaults are the quickstart's) and
     * {@link #build()} checks them all, reporting every problem at once.
     */
    public static final class Builder {
        private final TrainConfig c;

        private Builder(TrainConfig start) {
            this.c = start;
        }

        /** The network family; a ResNet takes one width (its first stage's), 64 unless {@link #optWidths} says otherwise. */
        public Builder optArchitecture(Architecture.Kind architecture) {
            c.architecture = architecture;
            if (architecture.isResNet() && c.widths.length != 1) {
                c.widths = new int[] {64}; // the standard network unless asked otherwise
            }
            return this;
        }

        /** Channels per stage (convnet), hidden units (mlp), or the first stage's width (ResNets). */
        public Builder optWidths(int... widths) {
            c.widths = widths.clone();
            return this;
        }

        public Builder optPooling(Architecture.Pooling pooling) {
            c.pooling = pooling;
            return this;
        }

        public Builder optFrozenBatchNorm(boolean frozen) {
            c.frozenBatchNorm = frozen;
            return this;
        }

        public Builder optEmbeddingSize(int size) {
            c.embeddingSize = size;
            return this;
        }

        public Builder optIterations(int iterations) {
            c.iterations = iterations;
            return this;
        }

        /** P×K batches: P classes, K images each. */
        public Builder optBatch(int classesPerBatch, int samplesPerClass) {
            c.classesPerBatch = classesPerBatch;
            c.samplesPerClass = samplesPerClass;
            return this;
        }

        /** P, keeping K. */
        public Builder optClassesPerBatch(int p) {
            c.classesPerBatch = p;
            return this;
        }

        /** K, keeping P. */
        public Builder optSamplesPerClass(int k) {
            c.samplesPerClass = k;
            return this;
        }

        public Builder optLearningRate(float lr) {
            c.learningRate = lr;
            return this;
        }

        public Builder optOptimizer(Optimizer optimizer) {
            c.optimizer = optimizer;
            return this;
        }

        public Builder optMomentum(float momentum) {
            c.momentum = momentum;
            return this;
        }

        public Builder optWeightDecay(float decay) {
            c.weightDecay = decay;
            return this;
        }

        public Builder optSchedule(Schedule schedule) {
            c.schedule = schedule;
            return this;
        }

        public Builder optWarmupIterations(int warmup) {
            c.warmupIterations = warmup;
            return this;
        }

        public Builder optStepSize(int stepSize) {
            c.stepSize = stepSize;
            return this;
        }

        public Builder optMilestones(int... milestones) {
            c.milestones = milestones.clone();
            return this;
        }

        public Builder optGamma(float gamma) {
            c.gamma = gamma;
            return this;
        }

        public Builder optMinLearningRate(float lr) {
            c.minLearningRate = lr;
            return this;
        }

        public Builder optHeadLearningRateMultiplier(float multiplier) {
            c.headLearningRateMultiplier = multiplier;
            return this;
        }

        public Builder optGradientClip(float clip) {
            c.gradientClip = clip;
            return this;
        }

        public Builder optGradientClipNorm(float norm) {
            c.gradientClipNorm = norm;
            return this;
        }

        public Builder optCheckpointEvery(int iterations) {
            c.checkpointEvery = iterations;
            return this;
        }

        public Builder optStrictImages(boolean strict) {
            c.strictImages = strict;
            return this;
        }

        public Builder optCropMinArea(float area) {
            c.cropMinArea = area;
            return this;
        }

        /** Image files: mirror half of the crops (default on). */
        public Builder optHorizontalFlip(boolean flip) {
            c.horizontalFlip = flip;
            return this;
        }

        /** Image files: colour jitter strength j in [0, 1) (default 0). */
        public Builder optColorJitter(float jitter) {
            c.colorJitter = jitter;
            return this;
        }

        /** A saved model folder or an ONNX file to start from; null for fresh weights. */
        public Builder optInitFrom(String path) {
            c.initFrom = path;
            return this;
        }

        public Builder optEarlyStopPatience(int validations) {
            c.earlyStopPatience = validations;
            return this;
        }

        public Builder optSeed(long seed) {
            c.seed = seed;
            return this;
        }

        public Builder optDevice(DeviceSpec device) {
            c.device = device;
            return this;
        }

        public Builder optLoss(LossKind loss) {
            c.loss = loss;
            return this;
        }

        /** Multi-Similarity's α, β, λ and mining margin ε (methods.md §1). */
        public Builder optMultiSimilarity(float alpha, float beta, float lambda, float epsilon) {
            c.msAlpha = alpha;
            c.msBeta = beta;
            c.msLambda = lambda;
            c.msEpsilon = epsilon;
            return this;
        }

        public Builder optMsMining(boolean mining) {
            c.msMining = mining;
            return this;
        }

        public Builder optTripletMargin(float margin, boolean soft) {
            c.tripletMargin = margin;
            c.tripletSoftMargin = soft;
            return this;
        }

        public Builder optLiftedMargin(float margin) {
            c.liftedMargin = margin;
            return this;
        }

        public Builder optNpairL2Weight(float weight) {
            c.npairL2Weight = weight;
            return this;
        }

        public Builder optContrastiveMargins(float positive, float negative) {
            c.contrastivePositiveMargin = positive;
            c.contrastiveNegativeMargin = negative;
            return this;
        }

        /** Circle loss: γ and m (defaults 80 and 0.4). */
        public Builder optCircle(float gamma, float margin) {
            c.circleGamma = gamma;
            c.circleMargin = margin;
            return this;
        }

        /** Proxy-Anchor: α and δ (defaults 32 and 0.1). */
        public Builder optProxyAnchor(float alpha, float delta) {
            c.proxyAnchorAlpha = alpha;
            c.proxyAnchorDelta = delta;
            return this;
        }

        /** ArcFace: scale and angular margin in radians (defaults 64 and 0.5). */
        public Builder optArcFace(float scale, float margin) {
            c.arcfaceScale = scale;
            c.arcfaceMargin = margin;
            return this;
        }

        /** CosFace: scale and cosine margin (defaults 64 and 0.35). */
        public Builder optCosFace(float scale, float margin) {
            c.cosfaceScale = scale;
            c.cosfaceMargin = margin;
            return this;
        }

        /** The learning rate of a loss's own parameters, as a multiple of the network's (default 100). */
        public Builder optLossLearningRateMultiplier(float multiplier) {
            c.lossLearningRateMultiplier = multiplier;
            return this;
        }

        /** A cross-batch memory of {@code size} embeddings around the loss (0: none, the default). */
        public Builder optXbmSize(int size) {
            c.xbmSize = size;
            return this;
        }

        /** Iterations before the cross-batch memory starts filling (default 0). */
        public Builder optXbmWarmupIterations(int iterations) {
            c.xbmWarmupIterations = iterations;
            return this;
        }

        /** The weight of the cross-batch memory's term (default 1). */
        public Builder optXbmWeight(float weight) {
            c.xbmWeight = weight;
            return this;
        }

        /** Wraps the loss with Embedding Expansion. */
        public Builder optEmbeddingExpansion(boolean ee) {
            c.ee = ee;
            return this;
        }

        public Builder optEeSyntheticPoints(int points) {
            c.eeSyntheticPoints = points;
            return this;
        }

        public Builder optEeNormalize(boolean normalize) {
            c.eeNormalize = normalize;
            return this;
        }

        /**
         * Checks every setting.
         *
         * @throws IllegalArgumentException listing every problem
         */
        public TrainConfig build() {
            TrainConfig built = c.copy();
            built.fillNulls();
            List<String> problems = built.problems();
            if (!problems.isEmpty()) {
                throw invalid(problems);
            }
            return built;
        }
    }
}
