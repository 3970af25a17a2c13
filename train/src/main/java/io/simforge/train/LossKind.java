package io.simforge.train;

import com.google.gson.annotations.SerializedName;
import java.util.Locale;

/** The metric losses a run can train with, each with its JSON and command-line spelling. */
public enum LossKind {
    /** Multi-Similarity (Wang et al., CVPR 2019). */
    @SerializedName("ms") MS("ms"),
    /** Batch-hard triplet (the EE paper's "HPHN"). */
    @SerializedName("triplet") TRIPLET("triplet"),
    /** Lifted structure (Song et al., CVPR 2016). */
    @SerializedName("lifted") LIFTED("lifted"),
    /** Multi-class N-pair (Sohn, NeurIPS 2016). */
    @SerializedName("npair") NPAIR("npair"),
    /** Contrastive with a positive and a negative margin. */
    @SerializedName("contrastive") CONTRASTIVE("contrastive"),
    /** Circle loss (Sun et al., CVPR 2020). */
    @SerializedName("circle") CIRCLE("circle"),
    /** Proxy-Anchor (Kim et al., CVPR 2020): one trainable proxy per class. */
    @SerializedName("proxy-anchor") PROXY_ANCHOR("proxy-anchor"),
    /** ArcFace (Deng et al., CVPR 2019): softmax over class weights with an additive angular margin. */
    @SerializedName("arcface") ARCFACE("arcface"),
    /** CosFace (Wang et al., CVPR 2018): softmax over class weights with an additive cosine margin. */
    @SerializedName("cosface") COSFACE("cosface");

    /** The names as users type them. */
    public static final String NAMES = "ms, triplet, lifted, npair, contrastive, circle, proxy-anchor, arcface or cosface";

    private final String spelling;

    LossKind(String spelling) {
        this.spelling = spelling;
    }

    /**
     * Parses a loss name.
     *
     * @throws IllegalArgumentException naming the choices
     */
    public static LossKind parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        for (LossKind k : values()) {
            if (k.spelling.equals(t)) {
                return k;
            }
        }
        throw new IllegalArgumentException("loss '" + text + "' is unknown: choose " + NAMES);
    }

    @Override
    public String toString() {
        return spelling;
    }
}
